"""What the machine has to give: the memory available now (checked before large
allocations, so that too large a request is a clear error instead of a MemoryError deep in
NumPy, or swapping)."""

import os


def available_memory():
    """Bytes of memory available to allocate now, or None where it cannot be read."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(n_bytes, subject, detail, remedy):
    """Refuse, before allocating them, ``n_bytes`` the available memory cannot hold: a
    ValueError "<subject> would need about X GiB <detail>, more than the Y GiB of memory
    available. <remedy>". Nothing where they fit or the memory cannot be read."""
    available = available_memory()
    if available is None or n_bytes <= available:
        return
    gib = 2.0**30
    raise ValueError(
        f"{subject} would need about {n_bytes / gib:.1f} GiB {detail}, more than the "
        f"{available / gib:.1f} GiB of memory available. {remedy}"
    )
