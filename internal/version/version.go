// Package version reports which build of tug is running.
package version

import (
	"runtime"
	"runtime/debug"
)

// Version and Commit are set at link time, for example:
//
//	go build -ldflags "-X github.com/tugboat-gitops/tugboat/internal/version.Version=v0.1.0
//	  -X github.com/tugboat-gitops/tugboat/internal/version.Commit=$(git rev-parse HEAD)"
//
// Left empty, Get falls back to what the Go toolchain recorded in the binary.
var (
	// Version is the release, usually the output of git describe.
	Version string
	// Commit is the full git commit hash the binary was built from.
	Commit string
)

// Info describes a build of tug.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the version of the running binary.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	info := fromBuildInfo(Version, Commit, bi)
	info.GoVersion = runtime.Version()
	info.Platform = runtime.GOOS + "/" + runtime.GOARCH
	return info
}

// fromBuildInfo fills what the linker did not set from the build info, which
// `go install module@version` and `go build` in a git checkout record.
func fromBuildInfo(version, commit string, bi *debug.BuildInfo) Info {
	info := Info{Version: version, Commit: commit}
	if info.Version == "" {
		info.Version = "dev"
		// "(devel)" is what a build from a local checkout reports.
		if bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
	}
	if info.Commit == "" {
		info.Commit = vcsRevision(bi)
	}
	return info
}

// vcsRevision returns the commit recorded by the go command, marked dirty
// when the checkout had local changes, or "unknown".
func vcsRevision(bi *debug.BuildInfo) string {
	if bi == nil {
		return "unknown"
	}
	var revision, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if revision == "" {
		return "unknown"
	}
	if modified == "true" {
		return revision + "-dirty"
	}
	return revision
}
