package dev.ferry.data;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A small YAML or JSON configuration file read whole (schemas, drift policies), with one clear
 * message per way reading it can fail, naming the file and what it was meant to be.
 *
 * @param text the file's content
 * @param json whether it is JSON: its name ends in .json or it starts with {
 */
public record ConfigFile(String text, boolean json) {

  /** Why a configuration file could not be read; the message names the file. */
  public static final class Unreadable extends Exception {
    public Unreadable(String message) {
      super(message);
    }
  }

  /** @param what what the file is, for messages: "schema file", "configuration file" */
  public static ConfigFile read(Path file, String what) throws Unreadable {
    String name = file.toString();
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new Unreadable(name + ": " + what + " not found");
    } catch (MalformedInputException e) {
      throw new Unreadable(name + ": " + what + " is not UTF-8 text");
    } catch (IOException e) {
      throw new Unreadable(name + ": cannot read the " + what + ": " + e.getMessage());
    }
    boolean json = name.toLowerCase(Locale.ROOT).endsWith(".json") || text.stripLeading().startsWith("{");
    return new ConfigFile(text, json);
  }
}
