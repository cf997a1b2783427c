package source

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:token@host/x", "https://host/x"},
		{"https://token@host/x", "https://host/x"},
		{"http://u:p%40ss@127.0.0.1:1234/app.git", "http://127.0.0.1:1234/app.git"},
		{"https://u:p@ss@host/x", "https://host/x"}, // unescaped "@" in the password
		{"HTTPS://U:P@Host/x", "HTTPS://Host/x"},
		{"ssh://git@host:22/x.git", "ssh://host:22/x.git"},
		{"https://host/x", "https://host/x"},
		{"https://host/a@b", "https://host/a@b"}, // "@" in the path is not userinfo
		{"git@github.com:org/repo.git", "git@github.com:org/repo.git"},
		{"not a url", "not a url"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		secrets []string
		want    string
	}{
		{"url in text", `Get "https://u:tok@host/x": EOF`, nil, `Get "https://host/x": EOF`},
		{"two urls", "a https://a:b@h1/ b http://c:d@h2/", nil, "a https://h1/ b http://h2/"},
		{"secret", "bad token abc123 given", []string{"abc123"}, "bad token *** given"},
		{"escaped secret", "p%2Fw%40rd in url", []string{"p/w@rd"}, "*** in url"},
		{"longest first", "abcdef", []string{"abc", "abcdef"}, "***"},
		{"empty secret ignored", "text", []string{""}, "text"},
		{"both", "https://u:s3cret@h/x said s3cret", []string{"s3cret"}, "https://h/x said ***"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.text, tt.secrets...); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestRedactError(t *testing.T) {
	inner := errors.New("server said s3cret at https://u:s3cret@host/x")
	tests := []struct {
		name string
		err  error
		kind error
		want string
	}{
		{"nil", nil, nil, ""},
		{"auth", fmt.Errorf("fetch: %w: %w", ErrAuthFailed, inner), ErrAuthFailed,
			"fetch: authentication failed: server said *** at https://host/x"},
		{"host key wins", fmt.Errorf("%w, %w", ErrNotFound, ErrHostKey), ErrHostKey, "not found, host key verification failed"},
		{"context", fmt.Errorf("list: %w", context.DeadlineExceeded), context.DeadlineExceeded, "list: context deadline exceeded"},
		{"no kind", inner, nil, "server said *** at https://host/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RedactError(tt.err, "s3cret")
			if tt.err == nil {
				if got != nil {
					t.Fatalf("RedactError(nil) = %v", got)
				}
				return
			}
			if got.Error() != tt.want {
				t.Errorf("message %q, want %q", got, tt.want)
			}
			if errors.Unwrap(got) != tt.kind {
				t.Errorf("unwraps to %v, want only %v", errors.Unwrap(got), tt.kind)
			}
			if errors.Is(got, inner) {
				t.Error("the unredacted error is still in the chain")
			}
		})
	}
}
