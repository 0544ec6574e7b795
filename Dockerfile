# syntax=docker/dockerfile:1
# Verbatim: a static binary on a distroless base, run as a non-root user,
# with its data (index, stored documents, link key) on the /data volume.
#
#   docker build -t verbatim .
#   docker run --env-file .env -v verbatim-data:/data -p 127.0.0.1:8080:8080 verbatim
#
# The build step is .ci/build-static, the same script CI runs.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN .ci/build-static /out/verbatim && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/verbatim /verbatim
# The volume's mount point belongs to the image's non-root user (65532).
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV DATA_DIR=/data \
    LISTEN_ADDR=:8080 \
    LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/verbatim", "healthcheck"]
ENTRYPOINT ["/verbatim"]
CMD ["serve"]
