"""Stands in for systemd's notify socket: appends each datagram to a file.
usage: notify_listen.py SOCKET_PATH OUT_FILE SECONDS"""
import os
import socket
import sys
import time

path, out, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if os.path.exists(path):
    os.unlink(path)
s.bind(path)
s.settimeout(0.2)
end = time.time() + secs
with open(out, "a", buffering=1) as f:
    while time.time() < end:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            continue
        f.write(msg.replace("\n", " ") + "\n")
