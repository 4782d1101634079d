#!/usr/bin/env python3
"""mkcpio.py - write an initramfs, a cpio archive in the kernel's "newc"
format, without cpio and without root (device nodes are entries, not
mknod). Used by tests/lab/linux/build.sh.

  mkcpio.py OUT ENTRY...

ENTRY is one of
  dir:PATH:MODE             a directory (MODE octal)
  file:PATH:MODE:SOURCE     a regular file with SOURCE's bytes
  nod:PATH:MODE:c:MAJ:MIN   a character device node
  slink:PATH:TARGET         a symbolic link
PATH is inside the archive, without a leading slash. Every entry is owned
by root, dated 0 (the archive is the same for the same inputs)."""
import stat, sys


def header(ino, mode, nlink, size, rmaj, rmin, name):
    fields = (ino, mode, 0, 0, nlink, 0, size, 0, 0, rmaj, rmin, len(name) + 1, 0)
    return b"070701" + b"".join(b"%08X" % f for f in fields) + name + b"\0"


def pad(n):
    return b"\0" * ((4 - n % 4) % 4)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    out = bytearray()
    for ino, ent in enumerate(argv[2:], start=1):
        kind, _, rest = ent.partition(":")
        parts = rest.split(":")
        name = parts[0].lstrip("/").encode()
        data, rmaj, rmin, nlink = b"", 0, 0, 1
        if kind == "dir":
            mode, nlink = stat.S_IFDIR | int(parts[1], 8), 2
        elif kind == "file":
            mode = stat.S_IFREG | int(parts[1], 8)
            with open(parts[2], "rb") as f:
                data = f.read()
        elif kind == "nod" and parts[2] == "c":
            mode = stat.S_IFCHR | int(parts[1], 8)
            rmaj, rmin = int(parts[3]), int(parts[4])
        elif kind == "slink":
            mode, data = stat.S_IFLNK | 0o777, parts[1].encode()
        else:
            sys.stderr.write("mkcpio: bad entry %r\n" % ent)
            return 2
        h = header(ino, mode, nlink, len(data), rmaj, rmin, name)
        out += h + pad(len(h)) + data + pad(len(data))
    h = header(0, 0, 1, 0, 0, 0, b"TRAILER!!!")
    out += h + pad(len(h))
    out += b"\0" * ((512 - len(out) % 512) % 512)
    with open(argv[1], "wb") as f:
        f.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
