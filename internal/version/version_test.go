package version

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name            string
		version, commit string
		bi              *debug.BuildInfo
		want            Info
	}{
		{"linker flags win", "v1.2.3", "abc", &debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}, Settings: vcs("def", "false")},
			Info{Version: "v1.2.3", Commit: "abc"}},
		{"go install", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}, Settings: vcs("def", "false")},
			Info{Version: "v0.4.0", Commit: "def"}},
		{"local checkout with changes", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("def", "true")},
			Info{Version: "dev", Commit: "def-dirty"}},
		{"no vcs info", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			Info{Version: "dev", Commit: "unknown"}},
		{"no build info", "", "", nil, Info{Version: "dev", Commit: "unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fromBuildInfo(tt.version, tt.commit, tt.bi); got != tt.want {
				t.Errorf("fromBuildInfo() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestGet(t *testing.T) {
	got := Get()
	if got.GoVersion != runtime.Version() {
		t.Errorf("GoVersion = %q, want %q", got.GoVersion, runtime.Version())
	}
	if want := runtime.GOOS + "/" + runtime.GOARCH; got.Platform != want {
		t.Errorf("Platform = %q, want %q", got.Platform, want)
	}
	if got.Version == "" || got.Commit == "" {
		t.Errorf("Get() = %+v, want version and commit set", got)
	}
}
