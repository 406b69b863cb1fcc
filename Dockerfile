# One image for every WMB service; WMB_MODULE picks which one runs (processor, reship, collector,
# reconciler, gateway, infra). Build context: the repository root.
FROM maven:3.9.11-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -ntp install -DskipTests

FROM eclipse-temurin:17.0.16_8-jre
WORKDIR /app
# curl serves the compose file's health checks.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/*/target/wmb-*-exec.jar /app/
RUN for jar in /app/wmb-*-exec.jar; do \
      module=$(basename "$jar" | sed -E 's/^wmb-(.*)-[0-9][^-]*(-SNAPSHOT)?-exec\.jar$/\1/'); \
      mv "$jar" "/app/$module.jar"; \
    done
ENV JAVA_OPTS="-XX:+UseSerialGC -Xss512k -XX:MaxRAMPercentage=70" \
    WMB_DATA_DIR=/data
VOLUME /data
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/${WMB_MODULE}.jar \"$@\"", "--"]
