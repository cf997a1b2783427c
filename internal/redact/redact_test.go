package redact

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"testing"
)

func TestText(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		secrets []string
		want    string
	}{
		{"user and token", "https://user:token@host/x", nil, "https://host/x"},
		{"token only", "https://token@host/x", nil, "https://host/x"},
		{"escaped password", "http://u:p%40ss@127.0.0.1:1234/app.git", nil, "http://127.0.0.1:1234/app.git"},
		{"unescaped @ in password", "https://u:p@ss@host/x", nil, "https://host/x"},
		{"upper case", "HTTPS://U:P@Host/x", nil, "HTTPS://Host/x"},
		{"ssh", "ssh://git@host:22/x.git", nil, "ssh://host:22/x.git"},
		{"no userinfo", "https://host/x", nil, "https://host/x"},
		{"@ in the path", "https://host/a@b", nil, "https://host/a@b"},
		{"scp-like stays usable", "git@github.com:org/repo.git", nil, "git@github.com:org/repo.git"},
		{"not a url", "not a url", nil, "not a url"},
		{"url in text", `Get "https://u:tok@host/x": EOF`, nil, `Get "https://host/x": EOF`},
		{"quoted in text", "'git fetch https://tok3n@github.com/o/r main'", nil, "'git fetch https://github.com/o/r main'"},
		{"two urls", "a https://a:b@h1/ b http://c:d@h2/", nil, "a https://h1/ b http://h2/"},
		{"secret", "bad token abc123 given", []string{"abc123"}, "bad token *** given"},
		{"escaped secret", "p%2Fw%40rd in url", []string{"p/w@rd"}, "*** in url"},
		{"longest first", "abcdef", []string{"abc", "abcdef"}, "***"},
		{"empty secret ignored", "text", []string{""}, "text"},
		{"url and secret", "https://u:s3cret@h/x said s3cret", []string{"s3cret"}, "https://h/x said ***"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.text, tt.secrets...); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestURLString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:pw@charts.example.com/stable", "https://charts.example.com/stable"},
		{"https://charts.example.com/stable", "https://charts.example.com/stable"},
		{"https://host/charts?token=abc&ref=main", "https://host/charts?token=***&ref=***"},
		{"https://host/x.tgz?sig", "https://host/x.tgz?***"},
		{"https://u:p@host/a?x=1#frag", "https://host/a?x=***#frag"},
		{"oci://u:p@registry/charts", "oci://registry/charts"},
		{"https://u:p@host:x/bad port", "<invalid URL>"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := URLString(tt.in); got != tt.want {
			t.Errorf("URLString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestURLLeavesItsArgumentAlone(t *testing.T) {
	u, err := url.Parse("https://u:p@host/x?token=abc")
	if err != nil {
		t.Fatal(err)
	}
	if got := URL(u); got != "https://host/x?token=***" {
		t.Errorf("URL = %q", got)
	}
	if u.User == nil || u.RawQuery != "token=abc" {
		t.Errorf("URL changed its argument: %v", u)
	}
}

func TestOCIRef(t *testing.T) {
	tests := []struct{ in, want string }{
		{"u:p@registry:5000/charts/app", "registry:5000/charts/app"},
		{"oci://u:p@registry/charts/app", "oci://registry/charts/app"},
		{"oci://u:p@ss@registry/app", "oci://registry/app"},
		{"registry/app@sha256:abc", "registry/app@sha256:abc"},
		{"oci://registry/app:1.0.0", "oci://registry/app:1.0.0"},
		{"u:p@registry", "registry"},
	}
	for _, tt := range tests {
		if got := OCIRef(tt.in); got != tt.want {
			t.Errorf("OCIRef(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestError(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		secrets []string
		want    string
	}{
		{"userinfo", "fetch http://user:s3cret@127.0.0.1:8080/r.git failed", nil, "fetch http://127.0.0.1:8080/r.git failed"},
		{"two urls", "a https://u:p@h/x and ssh://git@h:22/y", nil, "a https://h/x and ssh://h:22/y"},
		{"secret", "server said s3cret", []string{"s3cret"}, "server said ***"},
		{"nothing to redact", "https://host/path@v1 stays", nil, "https://host/path@v1 stays"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := fmt.Errorf("%s: %w", tt.in, fs.ErrNotExist)
			err := Error(orig, tt.secrets...)
			if got, want := err.Error(), tt.want+": "+fs.ErrNotExist.Error(); got != want {
				t.Errorf("message %q, want %q", got, want)
			}
			if !errors.Is(err, fs.ErrNotExist) {
				t.Error("errors.Is lost the meaning of the error")
			}
			changed := tt.in != tt.want
			if changed && errors.Unwrap(err) != nil {
				t.Error("the redacted error unwraps to the original")
			}
			if !changed && err != orig {
				t.Error("an error with nothing to redact was replaced")
			}
		})
	}
	if Error(nil) != nil {
		t.Error("Error(nil) is not nil")
	}
}
