package webhook

import "testing"

func TestRepoKey(t *testing.T) {
	tests := []struct {
		url, want string
	}{
		// One repository, written every way a user or a payload writes it.
		{"https://github.com/acme/app.git", "github.com/acme/app"},
		{"https://github.com/acme/app", "github.com/acme/app"},
		{"https://github.com/acme/app/", "github.com/acme/app"},
		{"https://github.com/acme/app.git/", "github.com/acme/app"},
		{"http://github.com/acme/app.git", "github.com/acme/app"},
		{"HTTPS://GitHub.COM/Acme/App.git", "github.com/acme/app"},
		{"https://x-access-token:ghp_abc@github.com/acme/app.git", "github.com/acme/app"},
		{"https://user:p@ss@github.com/acme/app.git", "github.com/acme/app"},
		{"https://github.com:443/acme/app.git", "github.com/acme/app"},
		{"https://github.com/acme/app.git?ref=main#frag", "github.com/acme/app"},
		{"ssh://git@github.com:22/acme/app.git", "github.com/acme/app"},
		{"ssh://git@github.com/acme/app.git", "github.com/acme/app"},
		{"git://github.com/acme/app.git", "github.com/acme/app"},
		{"git@github.com:acme/app.git", "github.com/acme/app"},
		{"git@github.com:acme/app", "github.com/acme/app"},
		{"git@github.com:/acme/app.git", "github.com/acme/app"},
		{"github.com:acme/app.git", "github.com/acme/app"},
		{"  https://github.com/acme/app.git\n", "github.com/acme/app"},
		// Nested groups keep their depth.
		{"git@gitlab.example.com:platform/deploy/app.git", "gitlab.example.com/platform/deploy/app"},
		{"https://gitlab.example.com/platform/deploy/app", "gitlab.example.com/platform/deploy/app"},
		// Another port on the same host is taken for the same server.
		{"ssh://git@git.example.org:2222/ops/app.git", "git.example.org/ops/app"},
		{"https://[2001:db8::1]:8443/ops/app.git", "[2001:db8::1]/ops/app"},
		{"ssh://git@[2001:db8::1]/ops/app", "[2001:db8::1]/ops/app"},
		// Local repositories keep their path.
		{"file:///srv/git/app.git", "srv/git/app"},
		{"/srv/git/app.git", "srv/git/app"},
		{"", ""},
		{"https://github.com", "github.com"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if got := RepoKey(tt.url); got != tt.want {
				t.Errorf("RepoKey(%q) = %q, want %q", tt.url, got, tt.want)
			}
		})
	}
}

// TestRepoKeyTellsApart: different repositories keep different keys.
func TestRepoKeyTellsApart(t *testing.T) {
	tests := []struct{ a, b string }{
		{"https://github.com/acme/app.git", "https://github.com/acme/app2.git"},
		{"https://github.com/acme/app.git", "https://gitlab.com/acme/app.git"},
		{"git@github.com:acme/app.git", "git@github.com:other/app.git"},
		{"https://gitlab.com/group/app", "https://gitlab.com/group/sub/app"},
	}
	for _, tt := range tests {
		if RepoKey(tt.a) == RepoKey(tt.b) {
			t.Errorf("%q and %q share key %q", tt.a, tt.b, RepoKey(tt.a))
		}
	}
}
