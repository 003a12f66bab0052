# Sourced by test.sh and run.sh. Unless JAVA_HOME is set, exports JAVA_HOME as the newest JDK of
# 22 or more under /usr/lib/jvm: built with it, the jars carry both capture paths (FFM for Java
# 22+, pcap4j for Java 17). Without one, Maven uses the default JDK and the jars have pcap4j only.
if [ -z "${JAVA_HOME:-}" ]; then
  for j in /usr/lib/jvm/*; do
    [ -x "$j/bin/javac" ] || continue
    v=$("$j/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1) || continue
    if [ -n "$v" ] && [ "$v" -ge 22 ] && [ "$v" -gt "${best_jdk:-0}" ]; then best_jdk=$v; export JAVA_HOME=$j; fi
  done
  unset best_jdk v j
fi
