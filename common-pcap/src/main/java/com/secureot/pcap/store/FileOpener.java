package com.secureot.pcap.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Opens files on a background thread, each locked for writing ({@link WriterLocks}). Creating a file costs a journaled metadata update (0.3-1 ms
 * on a VM's ext4, measured), which with one file per source IP and hour would stall the store
 * thread for seconds; the store keeps buffering records meanwhile and only waits when it first
 * needs to write them out.
 */
final class FileOpener implements AutoCloseable {
    /**
     * One thread for all writer threads: creations in one folder serialise on the folder's lock
     * anyway, and several threads only spin on it (perf: 11 % of the run in rwsem_spin_on_owner
     * with 4; 10 % of the openers' time with one per writer thread).
     */
    private final ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "file-opener");
        t.setDaemon(true);
        return t;
    });

    /** The options of a new file (write only, never replacing one), built once rather than per file. */
    private static final Set<OpenOption> CREATE_NEW = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);

    /** Creates {@code path}, which must not exist, with its pcap global header, in the background. */
    PendingChannel create(Path path, ByteBuffer header) {
        return new PendingChannel(pool.submit(() -> withHeader(FileChannel.open(path, CREATE_NEW), path, header)));
    }

    /**
     * Writes the global header into a file just created, before any record: a file is then a
     * valid (empty) capture from its first moment, whenever the process dies. When the header
     * cannot be written (the disk is full) the file is closed and removed, as it holds nothing.
     */
    static FileChannel withHeader(FileChannel ch, Path path, ByteBuffer header) throws IOException {
        try {
            // Locked before the first byte: another process's repair then never takes it for damage.
            WriterLocks.lockCreated(ch, path);
            while (header.hasRemaining()) {
                ch.write(header);
            }
            return ch;
        } catch (IOException e) {
            try {
                ch.close();
                WriterLocks.released(path);
                Files.deleteIfExists(path);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A file channel that may still be opening; the first use waits for it (or its error). */
    static final class PendingChannel implements WritableByteChannel {
        private Future<FileChannel> future;
        private FileChannel channel;
        private IOException failure;

        PendingChannel(Future<FileChannel> future) {
            this.future = future;
        }

        PendingChannel(FileChannel channel) {
            this.channel = channel;
        }

        FileChannel get() throws IOException {
            if (channel != null) {
                return channel;
            }
            if (failure != null) {
                throw failure;
            }
            try {
                channel = future.get();
                future = null;
                return channel;
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                failure = c instanceof IOException io ? io : new IOException(c);
                throw failure;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while opening a file");
            }
        }

        /** Why the file did not open, or null (waits for the open to finish). */
        IOException failure() {
            return failedToOpen() ? failure : null;
        }

        /** True once the open finished, well or badly, so that {@link #get} will not wait. */
        boolean failedToOpen() {
            try {
                get();
                return false;
            } catch (IOException e) {
                return true;
            }
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return get().write(src);
        }

        @Override
        public boolean isOpen() {
            return channel != null ? channel.isOpen() : failure == null;
        }

        @Override
        public void close() throws IOException {
            try {
                get().close();
            } catch (IOException e) {
                if (failure == null) {
                    throw e;
                }
            }
        }
    }
}
