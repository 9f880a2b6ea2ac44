package dev.ferry.controlplane;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The control plane's keys and certificates, as PEM files in one folder: a CA, the API server's
 * serving certificate (loopback and the in-cluster names), and the service-account signing key.
 * Made once and kept, so a restarted control plane keeps trusting the tokens it issued.
 */
public record Pki(Path dir) {
  public Path caCert() {
    return dir.resolve("ca.crt");
  }

  public Path servingCert() {
    return dir.resolve("apiserver.crt");
  }

  public Path servingKey() {
    return dir.resolve("apiserver.key");
  }

  public Path serviceAccountKey() {
    return dir.resolve("sa.key");
  }

  public Path serviceAccountPublicKey() {
    return dir.resolve("sa.pub");
  }

  /** Keeps the PKI already in {@code dir}, or makes it. */
  public static Pki ensure(Path dir, String serviceIp) throws IOException {
    Pki pki = new Pki(dir);
    if (Files.exists(pki.caCert()) && Files.exists(pki.servingKey()) && Files.exists(pki.serviceAccountKey())) {
      return pki;
    }
    Files.createDirectories(dir);
    try {
      KeyPair caKeys = rsa();
      X509Certificate ca = sign(new X500Name("CN=ferry-local-ca"), caKeys, new X500Name("CN=ferry-local-ca"),
          caKeys, true, List.of());
      KeyPair servingKeys = rsa();
      List<GeneralName> names = new ArrayList<>();
      for (String dns : List.of("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
          "kubernetes.default.svc.cluster.local")) {
        names.add(new GeneralName(GeneralName.dNSName, dns));
      }
      names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
      names.add(new GeneralName(GeneralName.iPAddress, InetAddress.getByName(serviceIp).getHostAddress()));
      X509Certificate serving = sign(new X500Name("CN=kube-apiserver"), servingKeys, new X500Name("CN=ferry-local-ca"),
          caKeys, false, names);
      KeyPair serviceAccount = rsa();
      pki.writePrivate(pki.dir.resolve("ca.key"), caKeys.getPrivate());
      pki.writePrivate(pki.servingKey(), servingKeys.getPrivate());
      pki.writePrivate(pki.serviceAccountKey(), serviceAccount.getPrivate());
      Files.writeString(pki.serviceAccountPublicKey(), pem(serviceAccount.getPublic()));
      Files.writeString(pki.servingCert(), pem(serving));
      Files.writeString(pki.caCert(), pem(ca)); // last: its presence means the set is whole
      return pki;
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("could not make the control plane's certificates: " + e.getMessage(), e);
    }
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048, new SecureRandom());
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys,
      boolean isCa, List<GeneralName> altNames) throws GeneralSecurityException, OperatorCreationException,
      IOException {
    Instant now = Instant.now();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
        new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(3650))), subject, subjectKeys.getPublic());
    JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    builder.addExtension(Extension.subjectKeyIdentifier, false,
        extensions.createSubjectKeyIdentifier(subjectKeys.getPublic()));
    if (isCa) {
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign
          | KeyUsage.digitalSignature));
    } else {
      builder.addExtension(Extension.authorityKeyIdentifier, false,
          extensions.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
          | KeyUsage.keyEncipherment));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      builder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(altNames.toArray(GeneralName[]::new)));
    }
    ContentSigner signer = new JcaContentSignerBuilder("SHA256withRSA").build(issuerKeys.getPrivate());
    return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
  }

  private void writePrivate(Path file, Object key) throws IOException {
    Files.writeString(file, pem(key));
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the folder's own permissions are all there is.
    }
  }

  private static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
