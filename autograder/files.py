"""Files a grader writes into OUT: each written whole, known by its sha256, and one line to say
what to do when the machine refuses a write (a full disk, a read-only OUT)."""
import errno
import hashlib
import os
from pathlib import Path

# Errors of the machine, not of a submission: the run stops at the first (a full disk fails every
# later write too) and says so in one line; the rows written so far are kept.
RESOURCE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}
ADVICE = {errno.ENOSPC: "free some space", errno.EDQUOT: "free some space (disk quota)",
          errno.EROFS: "give an --out on a writable file system",
          errno.EACCES: "fix the permissions, or give another --out",
          errno.EPERM: "fix the permissions, or give another --out"}


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def atomic_write(path, text):
    """Write via a temporary file and a rename: a crash leaves the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def resource_problem(error):
    """The one line for an OSError of the machine (full disk, read-only, no permission), naming
    the path and what to do; None for any other error."""
    if not isinstance(error, OSError) or error.errno not in RESOURCE_ERRNOS:
        return None
    where = f" ({error.filename})" if error.filename else ""
    return (f"{error.strerror or os.strerror(error.errno)}{where}: {ADVICE[error.errno]} and run "
            f"the same command again; what was graded so far is kept")
