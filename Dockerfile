# Builds the kvarter binary (with the default dataset embedded) and runs it.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p kvarter

FROM debian:bookworm-slim
COPY --from=build /src/target/release/kvarter /usr/local/bin/kvarter
# The data folder's mount point, owned by the user the service runs as, so a new named volume
# mounted there is writable by it (one container serving a data folder, README "Running it with
# Docker"; the compose deployment keeps its layers in PostGIS instead).
RUN mkdir /data && chown nobody:nogroup /data
EXPOSE 8080
USER nobody
ENTRYPOINT ["kvarter"]
CMD ["serve", "--bind", "0.0.0.0:8080", "--log-format", "json"]
