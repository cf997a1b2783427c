package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestDemo runs make demo's story in-process, building tug from this
// checkout, so that the README's first command keeps working: every
// step ok in the summary, and no credential in the output.
func TestDemo(t *testing.T) {
	testenv.SkipIfShort(t)
	// Building tug takes most of it when the build cache is cold.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var out bytes.Buffer
	d := newDemo(testenv.EnvOptions{Progress: os.Stderr}, demoOptions{Out: &out})
	err := d.run(ctx)
	t.Log(out.String())
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	text := out.String()
	for i, s := range demoSteps {
		row := regexp.MustCompile(fmt.Sprintf(`(?m)^%d\. %s +ok\b`, i, regexp.QuoteMeta(s.name)))
		if !row.MatchString(text) {
			t.Errorf("the summary has no ok row for step %d (%s)", i, s.name)
		}
	}
	if !strings.Contains(text, "every step worked") {
		t.Error("the demo does not say that every step worked")
	}
	// The stopped environment still knows its credentials.
	secrets := map[string]string{"git password": d.env.Git.Password, "git token": d.env.Git.Token,
		"registry password": d.env.Registry.Password, "webhook token": d.hookToken}
	for name, secret := range secrets {
		if secret == "" || strings.Contains(text, secret) {
			t.Errorf("the output shows the %s (or the test did not see it)", name)
		}
	}
}
