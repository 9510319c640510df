package dr.summit.http;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server TLS context from PEM files as operators have them (certbot, cert-manager, openssl): a
 * certificate chain and an unencrypted PKCS#8 private key ("BEGIN PRIVATE KEY", RSA or EC).
 */
public final class PemTls {
    private static final Pattern KEY = Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private PemTls() {
    }

    public static SSLContext serverContext(Path certificateChain, Path privateKey) throws IOException {
        try {
            Collection<? extends Certificate> chain;
            try {
                chain = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(Files.readAllBytes(certificateChain)));
            } catch (java.security.cert.CertificateException e) {
                throw new IOException("--tls-cert " + certificateChain + ": not a PEM certificate chain (" + e.getMessage() + ")");
            }
            if (chain.isEmpty()) {
                throw new IOException("--tls-cert " + certificateChain + ": no certificate in the file");
            }
            String pem = Files.readString(privateKey);
            Matcher m = KEY.matcher(pem);
            if (!m.find()) {
                throw new IOException("--tls-key " + privateKey + ": expected an unencrypted PKCS#8 key (BEGIN PRIVATE KEY); convert with 'openssl pkcs8 -topk8 -nocrypt'");
            }
            byte[] der = Base64.getMimeDecoder().decode(m.group(1));
            PrivateKey key = null;
            for (String algorithm : new String[]{"RSA", "EC", "Ed25519"}) {
                try {
                    key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                    break;
                } catch (GeneralSecurityException notThisOne) {
                    // try the next algorithm
                }
            }
            if (key == null) {
                throw new IOException("--tls-key " + privateKey + ": not an RSA, EC or Ed25519 private key");
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] none = new char[0];
            store.setKeyEntry("server", key, none, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, none);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot build a TLS context from " + certificateChain + " and " + privateKey + ": " + e.getMessage(), e);
        }
    }
}
