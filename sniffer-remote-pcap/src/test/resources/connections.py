#!/usr/bin/env python3
"""A crowd of TCP peers from one process, for the collector's connection-policy tests.

  connections.py idle N PORT SOURCE       open N connections that send nothing; print "open N" once
                                          connected, then on a line "count" on stdin print how many the
                                          collector has closed ("closed K"); stdin EOF closes all
  connections.py trickle N PORT SOURCE S  N connections sending a pcap header one byte every S seconds;
                                          print "closed K" once all are closed by the collector (or 120 s)
  connections.py short N PORT STREAMFILE  N connections one after the other, each sending STREAMFILE and
                                          closing; sources 127.0.10.1-50 in turn; print "sent N"
"""
import resource
import select
import socket
import sys
import time

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def connect(port, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def closed_by_peer(s):
    p = select.poll()  # select() cannot take descriptors above 1023
    p.register(s, select.POLLIN)
    if not p.poll(0):
        return False
    try:
        return s.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True  # reset


mode, n, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if mode == "idle":
    socks = [connect(port, sys.argv[4]) for _ in range(n)]
    print("open", len(socks), flush=True)
    for line in sys.stdin:
        if line.strip() == "count":
            print("closed", sum(1 for s in socks if closed_by_peer(s)), flush=True)
elif mode == "trickle":
    header = bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000")
    every = float(sys.argv[5])
    socks = [connect(port, sys.argv[4]) for _ in range(n)]
    sent = 0
    open_socks = set(socks)
    deadline = time.time() + 120
    while open_socks and time.time() < deadline:
        for s in list(open_socks):
            try:
                s.send(header[sent % len(header):sent % len(header) + 1])
            except OSError:
                open_socks.discard(s)
        sent += 1
        time.sleep(every)
        for s in list(open_socks):
            if closed_by_peer(s):
                open_socks.discard(s)
    print("closed", n - len(open_socks), flush=True)
elif mode == "short":
    data = open(sys.argv[4], "rb").read()
    for i in range(n):
        s = connect(port, "127.0.10.%d" % (i % 50 + 1))
        s.sendall(data)
        s.close()
    print("sent", n, flush=True)
