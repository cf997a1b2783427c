package controller

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
	"github.com/tugboat-gitops/tugboat/internal/webhook"
)

// TestControllerWebhook: with an interval of an hour, a pushed commit is
// applied at once when its signed webhook arrives; an unsigned one gets
// 401 and triggers nothing.
func TestControllerWebhook(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "webhook"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	installCRD(ctx, t, env)
	git, wt := gitRepo(t, map[string]string{"apps/web/cm.yaml": configMap("blue")})
	cs := env.Clientset()
	dyn := dynamic.NewForConfigOrDie(env.Config)
	ns := "default"
	gitSecret(ctx, t, cs, ns, git)
	addr := freeAddr(t)
	hookSecret := []byte("s3cret-hook")
	startController(ctx, t, Options{Config: env.Config, CacheDir: t.TempDir(), WebhookAddr: addr,
		Receivers: []webhook.Receiver{{Name: "gh", Provider: webhook.GitHub, Secret: hookSecret}}})
	createApp(ctx, t, dyn, ns, map[string]any{"repo": git.HTTPURL("envs"), "path": "apps/web", "interval": "1h"})
	waitFor(ctx, t, "Ready and blue", func() bool { return ready(ctx, t, dyn, ns) == "True" && color(ctx, t, cs, ns) == "blue" })

	push(t, wt, "apps/web/cm.yaml", configMap("green"))
	body := []byte(fmt.Sprintf(`{"ref":"refs/heads/main","repository":{"clone_url":%q}}`, git.HTTPURL("envs")))
	if code := postHook(t, addr, body, nil); code != http.StatusUnauthorized {
		t.Errorf("unsigned webhook: %d, want 401", code)
	}
	time.Sleep(1500 * time.Millisecond)
	if got := color(ctx, t, cs, ns); got != "blue" {
		t.Errorf("an unsigned webhook triggered a sync (color %q)", got)
	}
	mac := hmac.New(sha256.New, hookSecret)
	mac.Write(body)
	start := time.Now()
	if code := postHook(t, addr, body, map[string]string{"X-Hub-Signature-256": "sha256=" + hex.EncodeToString(mac.Sum(nil))}); code != http.StatusAccepted {
		t.Fatalf("signed webhook: %d, want 202", code)
	}
	waitFor(ctx, t, "the pushed commit applied by the webhook", func() bool { return color(ctx, t, cs, ns) == "green" })
	t.Logf("commit live %s after its webhook", time.Since(start).Round(time.Millisecond))
}

func postHook(t *testing.T, addr string, body []byte, headers map[string]string) int {
	t.Helper()
	var code int
	waitFor(context.Background(), t, "the webhook server", func() bool {
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/hook/gh", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-GitHub-Event", "push")
		req.Header.Set("Content-Type", "application/json")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		code = resp.StatusCode
		return true
	})
	return code
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
