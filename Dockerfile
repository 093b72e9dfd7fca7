# syntax=docker/dockerfile:1
# Multi-stage: build a static binary, ship it alone on a distroless base as a
# non-root user. Time zones are compiled in (timetzdata) so CRON_TZ works on
# any base image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata \
      -ldflags="-s -w" -o /out/tradepipe ./cmd/tradepipe

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tradepipe /usr/local/bin/tradepipe
USER nonroot:nonroot
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/tradepipe"]
CMD ["run"]
