package dev.ferry.operator;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the log format (text or JSON) and level at start, before the operator logs anything of note. */
public final class Logging {
  private Logging() {
  }

  public static void configure(String format, String level) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    if ("json".equalsIgnoreCase(format)) {
      context.reset();
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      try {
        configurator.doConfigure(Logging.class.getResource("/logback-json.xml"));
      } catch (JoranException e) {
        throw new IllegalStateException("logback-json.xml is part of the jar", e);
      }
    }
    if (level != null && !level.isBlank()) {
      context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
    }
  }

  /** The local mode's progress table tells the story; only warnings and errors go beside it. */
  public static void quiet() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
  }
}
