package cli

import (
	"strings"
	"testing"
)

// TestInstallImageRef: what tug install --export does with --image
// without reaching a registry: a digest is used as given, a tag is kept
// only with --no-resolve and a warning, and bad flags fail before any
// lookup.
func TestInstallImageRef(t *testing.T) {
	digest := "sha256:" + strings.Repeat("cd", 32)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
		wantOut  []string
	}{
		{name: "digest", args: []string{"--image", "127.0.0.1:1/tug@" + digest},
			wantOut: []string{"image: 127.0.0.1:1/tug@" + digest}},
		{name: "tag and digest", args: []string{"--image", "127.0.0.1:1/tug:v1@" + digest},
			wantOut: []string{"image: 127.0.0.1:1/tug:v1@" + digest}},
		{name: "tag kept", args: []string{"--image", "127.0.0.1:1/tug:v1", "--no-resolve"},
			wantErr: "warning: --image 127.0.0.1:1/tug:v1 is a tag", wantOut: []string{"image: 127.0.0.1:1/tug:v1"}},
		{name: "invalid", args: []string{"--image", "127.0.0.1:1/Tug:v1"},
			wantCode: ExitFailure, wantErr: `image "127.0.0.1:1/Tug:v1"`},
		{name: "invalid even unresolved", args: []string{"--image", "tug@sha256:abc", "--no-resolve"},
			wantCode: ExitFailure, wantErr: `image "tug@sha256:abc"`},
		{name: "password without user", args: []string{"--image", "127.0.0.1:1/tug:v1", "--registry-password-file", "/nonexistent"},
			wantCode: ExitFailure, wantErr: "--registry-password-file needs --registry-username"},
		{name: "unreadable password", args: []string{"--image", "127.0.0.1:1/tug:v1", "--registry-username", "u", "--registry-password-file", "/nonexistent"},
			wantCode: ExitFailure, wantErr: "registry credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRun(t, append([]string{"install", "--export"}, tt.args...), tt.wantCode, tt.wantErr, tt.wantOut)
		})
	}
}
