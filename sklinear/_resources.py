"""What the machine has to give: the memory available now (checked before large
allocations, so that too large a request is a clear error instead of a MemoryError deep in
NumPy, or swapping)."""

import os

#: The share of the available memory that one request (an output, a Hessian) may take. The
#: rest is left free for what comes with it and after it: the step that uses the result (a
#: check, a product or a copy of it in the next step of a pipeline), the temporaries of
#: building it, and the other processes of the machine. A request that takes nearly all the
#: available memory is not refused by the system: it is granted, and the machine then swaps
#: or the kernel's out-of-memory killer ends the process (a 20 GiB dense output was allowed
#: with 23 GiB available).
USABLE_SHARE = 0.75


def available_memory():
    """Bytes of memory available to allocate now (Linux's ``MemAvailable``: free memory plus
    the caches that can be reclaimed, not the machine's total), or None where it cannot be
    read."""
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


def _within(n_bytes, available):
    """``n_bytes`` within :data:`USABLE_SHARE` of ``available`` (None: unknown, so yes)."""
    return available is None or n_bytes <= USABLE_SHARE * available


def fits_in_memory(n_bytes):
    """Whether ``n_bytes`` pass :func:`check_memory` now (a choice that can do without them
    asks this instead of being refused)."""
    return _within(n_bytes, available_memory())


def check_memory(n_bytes, subject, detail, remedy):
    """Refuse, before allocating them, ``n_bytes`` more than :data:`USABLE_SHARE` of the
    available memory: a ValueError "<subject> would need about X GiB <detail>, more than the
    Y GiB it may take (75% of the Z GiB of memory available ...). <remedy>". Nothing where
    they fit or the memory cannot be read."""
    available = available_memory()
    if _within(n_bytes, available):
        return
    raise ValueError(
        f"{subject} would need about {_size(n_bytes)} {detail}, more than the "
        f"{_size(USABLE_SHARE * available)} it may take ({USABLE_SHARE:.0%} of the "
        f"{_size(available)} of memory available: the rest is left to the steps that use "
        f"the result and to the machine). {remedy}"
    )


def _size(n_bytes):
    """``n_bytes`` in GiB, or in MiB below one GiB."""
    if n_bytes >= 2**30:
        return f"{n_bytes / 2**30:.1f} GiB"
    return f"{n_bytes / 2**20:.1f} MiB"
