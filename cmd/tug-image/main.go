// Command tug-image builds the controller's container image, without a
// Docker engine, pushes it and prints its reference by digest for
// `tug install --image`. `make image` runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/tugboat-gitops/tugboat/internal/buildimage"
)

func main() {
	repo := flag.String("repository", "", "where to push, e.g. registry.example.com/tugboat/tug")
	tag := flag.String("tag", "latest", "the tag to push (the output names the image by digest)")
	user := flag.String("username", "", "registry user name")
	passwordFile := flag.String("password-file", "", "file holding the registry password")
	ldflags := flag.String("ldflags", "", "extra -ldflags for the tug binary (version stamps)")
	flag.Parse()
	if err := run(*repo, *tag, *user, *passwordFile, *ldflags); err != nil {
		fmt.Fprintln(os.Stderr, "tug-image:", err)
		os.Exit(1)
	}
}

func run(repo, tag, user, passwordFile, ldflags string) error {
	if repo == "" {
		return fmt.Errorf("give -repository")
	}
	dir, err := os.MkdirTemp("", "tug-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "tug")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", strings.TrimSpace("-s -w "+ldflags), "-o", bin, "./cmd/tug")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build tug: %w", err)
	}
	opts := buildimage.Options{Binary: bin, Repository: repo, Tag: tag}
	if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err == nil {
		opts.CACerts = "/etc/ssl/certs/ca-certificates.crt"
	}
	if user != "" {
		password, err := os.ReadFile(passwordFile)
		if err != nil {
			return fmt.Errorf("password file: %w", err)
		}
		opts.Auth = authn.FromConfig(authn.AuthConfig{Username: user, Password: strings.TrimSpace(string(password))})
	}
	ref, err := buildimage.Build(opts)
	if err != nil {
		return err
	}
	fmt.Println(ref)
	return nil
}
