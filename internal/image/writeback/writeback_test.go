package writeback

import (
	"context"
	"strings"
	"testing"
)

// TestCommitInvalidOptions rejects options before any network access,
// without repeating a secret of the URL.
func TestCommitInvalidOptions(t *testing.T) {
	const secret = "s3cret-value"
	valid := Options{URL: "https://u:" + secret + "@git.example/app.git", Branch: "main", Author: author}
	noop := func(context.Context, string) (string, error) { return "", nil }
	tests := []struct {
		name    string
		change  func(*Options)
		edit    Edit
		message string
	}{
		{"no edit", func(*Options) {}, nil, "no edit given"},
		{"no author name", func(o *Options) { o.Author.Name = "" }, noop, "author needs a name and an email"},
		{"no author email", func(o *Options) { o.Author.Email = "" }, noop, "author needs a name and an email"},
		{"no branch", func(o *Options) { o.Branch = "" }, noop, "no branch given"},
		{"invalid branch", func(o *Options) { o.Branch = "a..b" }, noop, `invalid branch name "a..b"`},
		{"invalid push branch", func(o *Options) { o.PushBranch = "x y" }, noop, `invalid branch name "x y"`},
		{"negative attempts", func(o *Options) { o.MaxAttempts = -1 }, noop, "max attempts -1 is negative"},
		{"unsupported scheme", func(o *Options) { o.URL = "ftp://u:" + secret + "@host/app.git" }, noop, "unsupported scheme"},
		{"invalid URL", func(o *Options) { o.URL = "https://u:" + secret + "@host:x/app.git" }, noop, "invalid repository URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := valid
			tt.change(&opts)
			res, err := Commit(context.Background(), opts, tt.edit)
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.message)
			}
			if !strings.HasPrefix(err.Error(), "write back to ") {
				t.Errorf("error %q does not say what it was doing", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q holds the secret", err)
			}
			if res.Changed || res.Attempts != 0 {
				t.Errorf("got %+v, want nothing done", res)
			}
		})
	}
}
