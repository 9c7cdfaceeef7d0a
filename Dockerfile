# Builds the kvarter binary (with the default dataset embedded) and runs it.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p kvarter

FROM debian:bookworm-slim
COPY --from=build /src/target/release/kvarter /usr/local/bin/kvarter
EXPOSE 8080
USER nobody
ENTRYPOINT ["kvarter"]
CMD ["serve", "--bind", "0.0.0.0:8080", "--log-format", "json"]
