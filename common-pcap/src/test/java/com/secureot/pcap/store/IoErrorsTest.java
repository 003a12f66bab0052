package com.secureot.pcap.store;

import com.secureot.pcap.metrics.DropReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IoErrorsTest {
    @TempDir
    Path dir;

    @Test
    void aFullDiskIsKnownByTheCLibrarysTextForItsErrnoNotByEnglishWords() {
        // What the JDK throws from write(2) on ENOSPC: the C library's text, here in the C locale.
        assertEquals(DropReason.DISK_FULL, IoErrors.reasonOf(new IOException("No space left on device"), dir));
        assertEquals(DropReason.DISK_FULL, IoErrors.reasonOf(new IOException("Disk quota exceeded"), dir));
        // Anything else, on a disk with room, is a write error, whatever words it uses.
        assertEquals(DropReason.WRITE_ERROR, IoErrors.reasonOf(new IOException("Input/output error"), dir));
        assertEquals(DropReason.WRITE_ERROR, IoErrors.reasonOf(new AccessDeniedException(dir.toString()), dir));
    }

    @Test
    void descriptorExhaustionIsKnownFromAFileSystemExceptionsReason() {
        assertTrue(IoErrors.outOfDescriptors(new FileSystemException("/x/a.pcap", null, "Too many open files")));
        assertTrue(IoErrors.outOfDescriptors(new FileSystemException("/x/a.pcap", null, "Too many open files in system")));
        assertFalse(IoErrors.outOfDescriptors(new FileSystemException("/x/a.pcap", null, "Permission denied")));
        assertFalse(IoErrors.outOfDescriptors(new IOException((String) null)));
    }
}
