package dr.summit.repository.crypto;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.format.ByteReader;
import dr.summit.repository.format.ByteWriter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * An append-only object of sealed records (docs/repository-format.md, "Sealed logs"): the 10-byte
 * header of a {@link SealedObject} of kind {@link SealedObject.Kind#LOG} (its epoch is the one
 * the log was created under), then records, each {@code u32 sealedLength || u64 sequence ||
 * sealed}, where {@code sealed} is a sealed object of kind {@code LOG} named {@code LOGNAME#SEQUENCE}. Record names
 * are unique (one writer per log, a sequence it never repeats, log names drawn at random), so
 * every record key still seals exactly one message.
 *
 * <p>Why a log at all: a synchronous primary waits for every flush of the WAL receiver. One new
 * write-once object per flush costs a file creation, two fsyncs, a link and an unlink; appending
 * to one file per growing segment costs a write and an fdatasync, as pg_receivewal pays.
 *
 * <p>A crash can leave the last records torn. A record is only reported durable after an
 * fdatasync that also covered every record before it, so reading stops at the first record that
 * is incomplete or fails to authenticate: nothing after it was ever acknowledged.
 */
public final class SealedLog {
    /** Bytes of a record's frame before its sealed object: length and sequence. */
    public static final int FRAME_BYTES = 12;

    private SealedLog() {
    }

    /** The first bytes of a log created under {@code epoch}. */
    public static byte[] header(int epoch) {
        return SealedObject.headerBytes(SealedObject.Kind.LOG, epoch);
    }

    /** The name a record's key and associated data are derived from. */
    public static String recordName(String logName, long sequence) {
        return logName + "#" + sequence;
    }

    /** One framed record, ready to append. */
    public static byte[] record(byte[] baseKey, int epoch, String logName, long sequence, byte[] payload) {
        byte[] sealed = SealedObject.seal(baseKey, epoch, SealedObject.Kind.LOG, recordName(logName, sequence), payload);
        return new ByteWriter(FRAME_BYTES + sealed.length).u32(sealed.length).i64(sequence).bytes(sealed).toByteArray();
    }

    /** What a read found: the records' payloads in file order, and the bytes of a torn tail ignored. */
    public record Contents(int epoch, List<byte[]> payloads, int tornTailBytes) {
    }

    /**
     * Opens every record of a log up to the first torn one.
     *
     * @param keyOfEpoch the data key of an epoch named by a record's header
     */
    public static Contents read(byte[] log, String logName, IntFunction<byte[]> keyOfEpoch) {
        SealedObject.Header header = SealedObject.header(log, logName);
        if (header.kind() != SealedObject.Kind.LOG) {
            throw new CorruptObjectException(logName + ": expected a " + SealedObject.Kind.LOG + " object, found " + header.kind());
        }
        List<byte[]> payloads = new ArrayList<>();
        int at = SealedObject.HEADER_BYTES;
        while (at < log.length) {
            byte[] payload = recordAt(log, at, logName, keyOfEpoch);
            if (payload == null) {
                break;
            }
            payloads.add(payload);
            at += FRAME_BYTES + (int) new ByteReader(log, at, 4, logName).u32();
        }
        return new Contents(header.epoch(), payloads, log.length - at);
    }

    /** The payload of the record framed at {@code at}, or null when it is torn (incomplete or unauthenticated). */
    private static byte[] recordAt(byte[] log, int at, String logName, IntFunction<byte[]> keyOfEpoch) {
        if (log.length - at < FRAME_BYTES + SealedObject.HEADER_BYTES + AesGcm.TAG_BYTES) {
            return null;
        }
        ByteReader frame = new ByteReader(log, at, FRAME_BYTES, logName);
        long length = frame.u32();
        long sequence = frame.i64();
        if (length > log.length - at - FRAME_BYTES || length < SealedObject.HEADER_BYTES + AesGcm.TAG_BYTES || sequence < 0) {
            return null;
        }
        byte[] sealed = java.util.Arrays.copyOfRange(log, at + FRAME_BYTES, at + FRAME_BYTES + (int) length);
        String name = recordName(logName, sequence);
        try {
            SealedObject.Header h = SealedObject.header(sealed, name);
            return SealedObject.open(keyOfEpoch.apply(h.epoch()), SealedObject.Kind.LOG, name, sealed);
        } catch (CorruptObjectException torn) {
            return null;
        }
    }
}
