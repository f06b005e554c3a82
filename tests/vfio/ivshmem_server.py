#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A minimal ivshmem server for one client (make bench-vfio).

Usage: ivshmem_server.py SOCKET VECTORS

QEMU's ivshmem-doorbell device (L0's, assigned by L1 to L2) gives the
benchmark an MSI-X device whose every vector L2 can raise at will: a write
of (own ID << 16 | vector) to its Doorbell register sets the eventfd of
that vector, and QEMU signals the vector. The eventfds and the shared
memory come from a server over a UNIX socket. Debian ships no
ivshmem-server, so this is one, after QEMU's docs/specs/ivshmem-spec.txt
("The ivshmem Client-Server Protocol"): 8-byte little-endian numbers, some
with a file descriptor (SCM_RIGHTS): the version 0, the client's ID, -1
with the shared memory, then the client's own ID once per vector with
that vector's eventfd (for being interrupted). No peers: the one client
rings its own doorbell.

Prints "ivshmem-server: listening" when QEMU may connect and
"ivshmem-server: client N, V vectors" once it has served it; stays until
the client disconnects.
"""

import os
import socket
import struct
import sys

SHM_SIZE = 1 << 20	# a power of two, as the device's BAR2 wants
CLIENT_ID = 0


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split('\n\n')[1])
    path, vectors = sys.argv[1], int(sys.argv[2])
    if not 1 <= vectors <= 256:
        # ivshmem's Doorbell register carries the vector in 8 bits
        sys.exit('ivshmem-server: VECTORS must be 1..256, not %d' % vectors)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    print('ivshmem-server: listening', flush=True)
    conn, _ = srv.accept()
    srv.close()

    def send(num, fd=None):
        data = struct.pack('<q', num)
        if fd is None:
            conn.sendall(data)
        else:
            socket.send_fds(conn, [data], [fd])

    shm = os.memfd_create('msix-resync-ivshmem')
    os.ftruncate(shm, SHM_SIZE)
    eventfds = [os.eventfd(0, os.EFD_NONBLOCK) for _ in range(vectors)]
    send(0)			# protocol version
    send(CLIENT_ID)		# the client's ID
    send(-1, shm)		# the shared memory
    for fd in eventfds:	# interrupt setup: its own vectors, in order
        send(CLIENT_ID, fd)
    print('ivshmem-server: client %d, %d vectors' % (CLIENT_ID, vectors), flush=True)
    # The connection stays open while the client lives: QEMU treats a
    # closed server connection as every peer gone.
    try:
        while conn.recv(64):
            pass
    except ConnectionResetError:
        pass
    print('ivshmem-server: client gone', flush=True)


if __name__ == '__main__':
    main()
