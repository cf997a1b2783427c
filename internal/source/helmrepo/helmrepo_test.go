package helmrepo

import (
	"context"
	"strings"
	"testing"
)

func TestFetchRefusesBadSources(t *testing.T) {
	tests := []struct {
		name    string
		src     Source
		wantMsg string
	}{
		{name: "no cache", src: Source{URL: "https://example.com", Chart: "c"}, wantMsg: "no cache directory"},
		{name: "scheme", src: Source{URL: "ftp://u:hunter2@example.com/charts", Chart: "c"}, wantMsg: "from ftp://example.com/charts: scheme must be"},
		{name: "unparsable URL", src: Source{URL: "https://u:hunter2@[::1", Chart: "c"}, wantMsg: "invalid repository URL"},
		{name: "chart name", src: Source{URL: "https://example.com", Chart: "../c"}, wantMsg: `invalid chart name "../c"`},
		{name: "oci userinfo", src: Source{URL: "oci://u:hunter2@example.com/charts/c"}, wantMsg: "from oci://example.com/charts/c: credentials in an oci:// URL are not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.src.CacheDir == "" && tt.name != "no cache" {
				tt.src.CacheDir = t.TempDir()
			}
			_, err := tt.src.Fetch(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("got %v, want error containing %q", err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
}
