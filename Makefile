# Tugboat's build. `make build` writes bin/tug with its version stamped in.

GO      ?= go
BIN     := bin/tug
PKG     := github.com/tugboat-gitops/tugboat
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --verify -q HEAD 2>/dev/null)
LDFLAGS := -X $(PKG)/internal/version.Version=$(VERSION) \
           -X $(PKG)/internal/version.Commit=$(COMMIT)

.PHONY: build vet fmt fmt-check clean generate image test test-unit testenv demo demo-up up bench

## build: compile tug into bin/tug
build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/tug

## vet: run go vet on every package
vet:
	$(GO) vet ./...

## fmt: rewrite Go files in gofmt style
fmt:
	gofmt -l -w .

## fmt-check: fail if any Go file is not gofmt-formatted
fmt-check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

## generate: regenerate the API's deepcopy methods and deploy/crds with controller-gen, and copy the CRDs into the chart
generate:
	$(GO) generate ./api/...
	rm -f deploy/chart/crds/*.yaml
	cp deploy/crds/*.yaml deploy/chart/crds/

## image: build the controller's image without Docker and push it to IMAGE_REPO; prints its digest reference
image:
	$(GO) run ./cmd/tug-image -repository "$(IMAGE_REPO)" -tag "$(VERSION)" -ldflags "$(LDFLAGS)" \
		$(if $(IMAGE_USER),-username "$(IMAGE_USER)" -password-file "$(IMAGE_PASSWORD_FILE)")

## clean: remove build output
clean:
	rm -rf bin

## testenv: build (once, ~12 min on 2 cores) or find the cached control plane and registry
testenv:
	$(GO) run ./cmd/tug-testenv build

## demo: build tug, start the local environment and tell the GitOps story on it (examples/guestbook), then stop
demo: testenv
	$(GO) run ./cmd/tug-testenv demo

## demo-up: the demo, then leave everything running until Ctrl-C and say how to use it
demo-up: testenv
	$(GO) run ./cmd/tug-testenv demo-up

## up: start the local environment and keep it running until Ctrl-C
up: testenv
	$(GO) run ./cmd/tug-testenv up

## test: unit and integration tests (integration tests use the local environment)
test: testenv fmt-check vet
	$(GO) test -count=1 -timeout 30m ./...

## test-unit: unit tests only, no local environment
test-unit:
	$(GO) test -count=1 -short ./...

## bench: scale harness, each size on fresh local clusters (SIZES=200 for a quick run); tables to stdout and bench/results.md
bench: testenv
	$(GO) run ./bench/cmd/scale -sizes "$${SIZES:-1000,5000}" -out bench/results.md
