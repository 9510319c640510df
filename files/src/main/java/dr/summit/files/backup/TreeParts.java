package dr.summit.files.backup;

import dr.summit.repository.BlobSaver;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.TreeCodec;

import java.util.ArrayList;
import java.util.List;

/** Stores a directory's entries as tree blobs of at most 4 MiB each (docs/repository-format.md, "Tree"). */
public final class TreeParts {
    static final int TREE_PART_LIMIT = 4 * 1024 * 1024;

    private TreeParts() {
    }

    /**
     * {@code node} with its content; a file of more than {@code maxDirectChunks} chunks keeps its
     * chunk list in CHUNK_LIST blobs (see ContentLists), so no tree grows with file size.
     */
    public static Node withContent(BlobSaver saver, int chunkerMax, int maxDirectChunks, Node node, List<dr.summit.repository.tree.ChunkRef> chunks,
                                   long size, int flags) {
        if (chunks.size() <= maxDirectChunks) {
            return node.withContent(chunks, size, flags);
        }
        int perList = Math.min(maxDirectChunks, dr.summit.repository.tree.ContentLists.chunksPerList(chunkerMax));
        List<dr.summit.repository.tree.ChunkRef> lists = new ArrayList<>();
        for (int from = 0; from < chunks.size(); from += perList) {
            List<dr.summit.repository.tree.ChunkRef> part = chunks.subList(from, Math.min(chunks.size(), from + perList));
            BlobId id = saver.save(BlobType.CHUNK_LIST, dr.summit.repository.tree.ContentLists.encode(part)).id();
            lists.add(new dr.summit.repository.tree.ChunkRef(id, (int) dr.summit.repository.tree.ContentLists.bytes(part)));
        }
        return node.withContent(lists, size, flags | Node.INDIRECT_CONTENT);
    }

    /** {@code nodes} must be sorted by name; returns the ids of the parts in order. */
    public static List<BlobId> save(BlobSaver saver, List<Node> nodes) {
        List<BlobId> parts = new ArrayList<>(1);
        int start = 0;
        int size = 0;
        for (int i = 0; i < nodes.size(); i++) {
            int nodeSize = TreeCodec.encodedSize(nodes.get(i));
            if (size + nodeSize > TREE_PART_LIMIT && i > start) {
                parts.add(saver.save(BlobType.TREE, TreeCodec.encode(nodes.subList(start, i))).id());
                start = i;
                size = 0;
            }
            size += nodeSize;
        }
        parts.add(saver.save(BlobType.TREE, TreeCodec.encode(nodes.subList(start, nodes.size()))).id());
        return parts;
    }
}
