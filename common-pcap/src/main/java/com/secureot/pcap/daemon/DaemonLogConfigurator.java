package com.secureot.pcap.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The daemons' logging: one line per event on stderr (the journal adds host, unit and time of
 * receipt), level from the environment variable {@code LOG_LEVEL} (default INFO). Configured in
 * code because parsing an XML configuration took 150 ms of every start (and see {@link DaemonLogLayout}). Each daemon registers it
 * in {@code META-INF/services}; the library itself never configures logging. An operator's own
 * {@code -Dlogback.configurationFile=...} still wins.
 */
public final class DaemonLogConfigurator extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        DaemonLogLayout layout = new DaemonLogLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getenv("LOG_LEVEL"), Level.INFO));
        root.addAppender(stderr);
        context.getLogger("org.pcap4j").setLevel(Level.WARN);
        // The Kafka client logs its whole configuration at INFO and every failed broker connection
        // at WARN (once a second during an outage); the daemons log the outage once themselves.
        if (!root.isDebugEnabled()) {
            context.getLogger("org.apache.kafka").setLevel(Level.ERROR);
        }
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
