package dr.summit.neo4j.plugin;

import org.neo4j.configuration.Config;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.kernel.extension.ExtensionFactory;
import org.neo4j.kernel.extension.ExtensionType;
import org.neo4j.kernel.extension.context.ExtensionContext;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.kernel.lifecycle.Lifecycle;
import org.neo4j.kernel.lifecycle.LifecycleAdapter;
import org.neo4j.storageengine.api.TransactionIdStore;

import java.nio.file.Path;

/**
 * Starts change capture for every user database (never {@code system}). The log lives in
 * {@code $SUMMIT_DR_CAPTURE_DIR/<database>} when that variable (or system property
 * {@code summit.dr.capture.dir}) is set, else in {@code <data directory>/summit-dr/<database>}.
 * Also starts the export's warm-up ({@link ExportWarmUp}), once per server JVM.
 * Registered through META-INF/services by the jar the agent writes (PluginJar), not by this module.
 */
public final class CaptureExtensionFactory extends ExtensionFactory<CaptureExtensionFactory.Dependencies> {
    public interface Dependencies {
        GraphDatabaseAPI graphdatabaseAPI();

        DatabaseManagementService databaseManagementService();

        Config config();
    }

    public CaptureExtensionFactory() {
        super(ExtensionType.DATABASE, "summitDrChangeCapture");
    }

    @Override
    public Lifecycle newInstance(ExtensionContext context, Dependencies deps) {
        GraphDatabaseAPI db = deps.graphdatabaseAPI();
        String name = db.databaseName();
        if (name.equals(GraphDatabaseSettings.SYSTEM_DATABASE_NAME)) {
            return new LifecycleAdapter();
        }
        return new LifecycleAdapter() {
            private ChangeLog log;
            private ChangeCapture listener;
            private CaptureRegistry.Capture capture;

            @Override
            public void start() throws Exception {
                TransactionIdStore ids = db.getDependencyResolver().resolveDependency(TransactionIdStore.class);
                log = new ChangeLog(directory(deps.config()).resolve(name), ids.getLastClosedTransactionId());
                listener = new ChangeCapture(log, ids::getLastClosedTransactionId);
                capture = new CaptureRegistry.Capture(log, listener);
                deps.databaseManagementService().registerTransactionEventListener(name, listener);
                CaptureRegistry.put(name, capture);
                // the export's code compiled before the first full backup (once per JVM, on its own thread)
                ExportWarmUp.startOnce();
            }

            @Override
            public void stop() throws Exception {
                if (listener != null) {
                    CaptureRegistry.remove(name, capture);
                    deps.databaseManagementService().unregisterTransactionEventListener(name, listener);
                    log.close();
                }
            }
        };
    }

    static Path directory(Config config) {
        String dir = System.getProperty("summit.dr.capture.dir", System.getenv("SUMMIT_DR_CAPTURE_DIR"));
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        return config.get(GraphDatabaseSettings.data_directory).resolve("summit-dr");
    }
}
