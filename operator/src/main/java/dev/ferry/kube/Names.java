package dev.ferry.kube;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Deterministic child names that stay valid DNS labels. */
public final class Names {
  /** Longest name usable in a label value (Jobs put their name in a label). */
  public static final int MAX_LABEL = 63;

  private Names() {
  }

  /** Joins parts with '-'; if too long, keeps a prefix and appends a short hash so names stay unique. */
  public static String join(int maxLength, String... parts) {
    String name = String.join("-", parts);
    if (name.length() <= maxLength) {
      return name;
    }
    String hash = shortHash(name, 8);
    String prefix = name.substring(0, maxLength - hash.length() - 1).replaceAll("-+$", "");
    return prefix + "-" + hash;
  }

  public static String shortHash(String text, int hexChars) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, hexChars);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
