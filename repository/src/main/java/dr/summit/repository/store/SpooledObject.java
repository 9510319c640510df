package dr.summit.repository.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A staged object for a store that can only take whole objects (S3): its pieces go into a private
 * temporary file in the machine's temporary directory, and the commit reads the file back and puts
 * it. A backup's packs then spend their filling and their wait for an upload thread on disk, not in
 * the heap; only the ones being uploaded are in memory. The file holds ciphertext only.
 */
final class SpooledObject implements StagedObject {
    private final ObjectStore target;
    private final String name;
    private final Path file;
    private final FileChannel channel;
    private boolean done;

    SpooledObject(ObjectStore target, String name) {
        this.target = target;
        this.name = name;
        try {
            this.file = Files.createTempFile("summit-dr-pack-", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StoreException("cannot create a temporary file for " + name + " in "
                    + System.getProperty("java.io.tmpdir") + ": " + LocalDirectoryStore.describe(e), e);
        }
    }

    /** The spool file, for tests. */
    Path file() {
        return file;
    }

    @Override
    public void write(long position, byte[] data, int offset, int length) {
        try {
            LocalDirectoryStore.writeSlices(channel, position, data, offset, length);
        } catch (IOException e) {
            throw new StoreException("cannot spool " + name + " to " + file + ": " + LocalDirectoryStore.describe(e), e);
        }
    }

    @Override
    public synchronized void commit(long length) {
        if (done) {
            throw new IllegalStateException(name + " was committed or discarded already");
        }
        byte[] bytes;
        try {
            if (channel.size() != length || length > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException(name + " holds " + channel.size() + " bytes, not the " + length + " committed");
            }
            bytes = new byte[(int) length];
            if (LocalDirectoryStore.readSlices(channel, 0, bytes, bytes.length) < bytes.length) {
                throw new IOException("unexpected end of " + file);
            }
        } catch (IOException e) {
            throw new StoreException("cannot read back " + name + " from " + file + ": " + LocalDirectoryStore.describe(e), e);
        }
        target.put(name, bytes);
        done = true;
        close();
    }

    @Override
    public synchronized void close() {
        done = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // the file is removed below either way
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover in the temporary directory holds ciphertext only
        }
    }
}
