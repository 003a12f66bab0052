package com.secureot.pcap.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A small state file a daemon keeps next to its output (a sequence, an epoch), replaced whole:
 * written to {@code NAME.tmp}, then renamed over the old one, so that a crash at any point
 * leaves the old or the new content, never a mix.
 */
public final class StateFile {
    private StateFile() {
    }

    /**
     * Replaces {@code file} with {@code content}.
     *
     * @param durable fsync the new content before the rename (a power loss then keeps it too)
     */
    public static void replace(Path file, byte[] content, boolean durable) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            if (durable) {
                ch.force(true);
            }
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
