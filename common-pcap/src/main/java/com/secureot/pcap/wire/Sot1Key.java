package com.secureot.pcap.wire;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Set;

/**
 * A sensor's SOT1 authentication key: its id (sent in every datagram) and the HMAC-SHA-256 key
 * material, kept only as the two padded blocks HMAC needs. The key is the key file's bytes as
 * they are (32 to 1024 bytes; {@code head -c 32 /dev/urandom > key}). Never printed.
 */
public final class Sot1Key {
    public static final int MIN_BYTES = 32;
    public static final int MAX_BYTES = 1024;
    public static final long MAX_ID = 0xFFFFFFFFL;

    private final long id;
    private final String name;
    private final Path file;
    private final boolean othersMayRead;
    private final byte[] innerPad;
    private final byte[] outerPad;

    /** A key file that cannot be used; the message names the file and says why (the caller adds the YAML key). */
    public static final class KeyFileException extends Exception {
        KeyFileException(String message) {
            super(message, null, false, false);
        }
    }

    private Sot1Key(long id, String name, Path file, boolean othersMayRead, byte[] key) {
        this.id = id;
        this.name = name;
        this.file = file;
        this.othersMayRead = othersMayRead;
        byte[] k = key;
        if (k.length > HmacSha256.BLOCK_BYTES) {
            k = sha256(k); // RFC 2104: a key longer than the block is hashed first
        }
        innerPad = new byte[HmacSha256.BLOCK_BYTES];
        outerPad = new byte[HmacSha256.BLOCK_BYTES];
        for (int i = 0; i < HmacSha256.BLOCK_BYTES; i++) {
            byte b = i < k.length ? k[i] : 0;
            innerPad[i] = (byte) (b ^ 0x36);
            outerPad[i] = (byte) (b ^ 0x5c);
        }
        Arrays.fill(k, (byte) 0);
    }

    /** A key from bytes held in memory (tests, tools); {@code key} is cleared. */
    public static Sot1Key of(long id, String name, byte[] key) {
        checkId(id);
        return new Sot1Key(id, name, null, false, key);
    }

    /**
     * Reads a key file.
     *
     * @throws KeyFileException unreadable, missing, not a regular file, shorter than
     *                          {@link #MIN_BYTES} or longer than {@link #MAX_BYTES}
     */
    public static Sot1Key load(long id, String name, Path file) throws KeyFileException {
        checkId(id);
        String where = "\"" + file + "\"";
        if (Files.isDirectory(file)) {
            throw new KeyFileException(where + " is a directory, not a key file");
        }
        byte[] key;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new KeyFileException(where + " is " + size + " bytes long; a key file holds " + MIN_BYTES
                        + " to " + MAX_BYTES + " bytes (make one with: head -c 32 /dev/urandom > FILE)");
            }
            key = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new KeyFileException(where + " does not exist");
        } catch (AccessDeniedException e) {
            throw new KeyFileException(where + " cannot be read by this user (permission denied)");
        } catch (IOException e) {
            throw new KeyFileException(where + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        if (key.length < MIN_BYTES) {
            int n = key.length;
            Arrays.fill(key, (byte) 0);
            throw new KeyFileException(where + " holds " + n + " bytes; a key must be at least " + MIN_BYTES
                    + " bytes (make one with: head -c 32 /dev/urandom > FILE)");
        }
        return new Sot1Key(id, name, file, othersMayRead(file), key);
    }

    private static void checkId(long id) {
        if (id < 0 || id > MAX_ID) {
            throw new IllegalArgumentException("key id: " + id + " (expected 0.." + MAX_ID + ")");
        }
    }

    private static boolean othersMayRead(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            return p.contains(PosixFilePermission.OTHERS_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    public long id() {
        return id;
    }

    /** The sensor this key belongs to (collector), or a label (forwarder). */
    public String name() {
        return name;
    }

    /** The key file, null for a key made in memory. */
    public Path file() {
        return file;
    }

    /** True when every user of the host may read the key file: worth a warning. */
    public boolean othersMayRead() {
        return othersMayRead;
    }

    byte[] innerPad() {
        return innerPad;
    }

    byte[] outerPad() {
        return outerPad;
    }

    @Override
    public String toString() {
        return "key " + id + (name == null ? "" : " (" + name + ")");
    }
}
