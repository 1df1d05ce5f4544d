#!/usr/bin/env python3
"""Draws the AWQ Workbench icon (128x128 RGBA PNG, standard library only): a dark rounded tile with
a smooth FP curve (dashed grey) and the quantized staircase over it in the Okabe-Ito w4 blue.
Run: python3 make_icon.py awq-workbench.png"""
import math, struct, sys, zlib

N = 128
px = [[(0, 0, 0, 0)] * N for _ in range(N)]

def put(x, y, c):
    if 0 <= x < N and 0 <= y < N:
        px[y][x] = c

def inside_rounded(x, y, r=22, m=4):
    lo, hi = m, N - 1 - m
    cx = min(max(x, lo + r), hi - r)
    cy = min(max(y, lo + r), hi - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r and lo <= x <= hi and lo <= y <= hi

for y in range(N):
    for x in range(N):
        if inside_rounded(x, y):
            t = y / N
            put(x, y, (int(30 + 20 * t), int(36 + 22 * t), int(48 + 30 * t), 255))

def curve(x):
    return 64 - 34 * math.sin((x - 16) / 96 * math.pi * 1.5)

# FP reference: dashed light grey, 3 px.
for x in range(16, 112):
    if (x // 6) % 2 == 0:
        y = curve(x)
        for dy in range(-1, 2):
            put(x, int(round(y)) + dy, (200, 200, 200, 255))

# Quantized staircase: 8 levels, Okabe-Ito blue, 4 px.
step = 12
for x in range(16, 112):
    q = round(curve(x - (x - 16) % step + step / 2) / 8) * 8
    for dy in range(-2, 2):
        put(x, int(q) + dy, (0x56, 0xB4, 0xE9, 255))
    nxt = x + 1
    if (nxt - 16) % step == 0 and nxt < 112:
        q2 = round(curve(nxt + step / 2) / 8) * 8
        for yy in range(int(min(q, q2)) - 2, int(max(q, q2)) + 2):
            for dx in range(-1, 2):
                put(x + dx, yy, (0x56, 0xB4, 0xE9, 255))

raw = b"".join(b"\x00" + b"".join(bytes(c) for c in row) for row in px)
def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
