package controller

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestControllerGitOverSSH: an Application reads its repository over SSH
// with the key and known_hosts of its Secret. Its objects are applied, and
// so is a pushed commit. A key the server refuses, a key that does not
// parse, and a known_hosts that lists another key for the server each
// make it Ready=False with FetchRefused or FetchFailed, a message that
// holds no key material, and nothing pruned; the right Secret recovers.
func TestControllerGitOverSSH(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "ssh"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	installCRD(ctx, t, env)
	git, wt := gitRepo(t, map[string]string{"apps/web/cm.yaml": configMap("blue"), "apps/web/extra.yaml": extraConfigMap})
	knownHosts, err := os.ReadFile(git.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	cs := env.Clientset()
	ns := "default"
	good := map[string][]byte{source.KeySSHPrivateKey: git.ClientPrivateKeyPEM, source.KeyKnownHosts: knownHosts}
	setGitSecret(ctx, t, cs, ns, good)
	startController(ctx, t, Options{Config: env.Config, CacheDir: t.TempDir()})
	dyn := dynamic.NewForConfigOrDie(env.Config)
	createApp(ctx, t, dyn, ns, map[string]any{"repo": git.SSHURL("envs"), "path": "apps/web", "interval": "3s"})
	waitFor(ctx, t, "Ready and blue over ssh", func() bool {
		return ready(ctx, t, dyn, ns) == "True" && color(ctx, t, cs, ns) == "blue" && exists(ctx, t, cs, ns, "extra")
	})
	if n := git.Requests().Repos["envs"].Total; n == 0 {
		t.Error("the git server counted no request, yet the app was applied")
	}

	push(t, wt, "apps/web/cm.yaml", configMap("green"))
	waitFor(ctx, t, "the pushed commit applied over ssh", func() bool { return color(ctx, t, cs, ns) == "green" })

	refusedKey := newSSHKeyPEM(t)
	otherHost, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherHostKey, err := ssh.NewPublicKey(otherHost)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(strings.TrimSuffix(git.SSHURL("envs"), "/envs.git"), "ssh://git@")
	mismatch := []byte(knownhosts.Line([]string{knownhosts.Normalize(host)}, otherHostKey) + "\n")
	garbled := append([]byte(nil), refusedKey...)
	copy(garbled[len(garbled)/2:], "not base64 !!")
	for _, tc := range []struct {
		name     string
		data     map[string][]byte
		reason   string
		contains string
	}{
		{"a key the server refuses", map[string][]byte{source.KeySSHPrivateKey: refusedKey, source.KeyKnownHosts: knownHosts},
			"FetchRefused", "authentication failed"},
		{"a key that does not parse", map[string][]byte{source.KeySSHPrivateKey: garbled, source.KeyKnownHosts: knownHosts},
			"", "parse ssh private key"},
		{"known_hosts with another key for the server", map[string][]byte{source.KeySSHPrivateKey: git.ClientPrivateKeyPEM, source.KeyKnownHosts: mismatch},
			"FetchRefused", "host key mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setGitSecret(ctx, t, cs, ns, tc.data)
			requested := requestSync(ctx, t, dyn, ns)
			waitFor(ctx, t, "Ready=False for "+tc.name, func() bool {
				app := getApp(ctx, t, dyn, ns)
				handled, _, _ := unstructured.NestedString(app.Object, "status", "lastHandledRequestedAt")
				return handled == requested && condition(app, "status") == "False"
			})
			app := getApp(ctx, t, dyn, ns)
			reason, msg := condition(app, "reason"), condition(app, "message")
			t.Logf("Ready=False %s: %s", reason, msg)
			if tc.reason != "" && reason != tc.reason {
				t.Errorf("reason %q, want %q", reason, tc.reason)
			}
			if !strings.Contains(msg, tc.contains) {
				t.Errorf("message %q does not say %q", msg, tc.contains)
			}
			status, err := json.Marshal(app.Object["status"])
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range [][]byte{tc.data[source.KeySSHPrivateKey], git.ClientPrivateKeyPEM} {
				if leak := keyMaterialIn(string(status)+eventMessages(ctx, t, cs, ns), key); leak != "" {
					t.Errorf("the status or an Event holds key material %q", leak)
				}
			}
			if color(ctx, t, cs, ns) != "green" || !exists(ctx, t, cs, ns, "extra") {
				t.Error("a refused fetch changed or pruned what is live")
			}
		})
		setGitSecret(ctx, t, cs, ns, good)
		requestSync(ctx, t, dyn, ns)
		waitFor(ctx, t, "recovered with the right Secret", func() bool { return ready(ctx, t, dyn, ns) == "True" })
	}

	// A commit that drops a file is applied and prunes, over ssh too.
	if err := wt.Remove("apps/web/extra.yaml"); err != nil {
		t.Fatal(err)
	}
	push(t, wt, "apps/web/cm.yaml", configMap("red"))
	waitFor(ctx, t, "the last commit applied and extra pruned", func() bool {
		return ready(ctx, t, dyn, ns) == "True" && color(ctx, t, cs, ns) == "red" && !exists(ctx, t, cs, ns, "extra")
	})
}

const extraConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  k: v\n"

// setGitSecret creates or replaces the Secret git in ns with data.
func setGitSecret(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string, data map[string][]byte) {
	t.Helper()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git", Namespace: ns}, Data: data}
	_, err := cs.CoreV1().Secrets(ns).Update(ctx, secret, metav1.UpdateOptions{})
	if err != nil {
		_, err = cs.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// exists reports whether the ConfigMap name is live in ns.
func exists(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, name string) bool {
	t.Helper()
	_, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	return err == nil
}

// eventMessages joins the notes of the Events about the Application.
func eventMessages(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string) string {
	t.Helper()
	list, err := cs.EventsV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range list.Items {
		if e.Regarding.Name == "web" {
			b.WriteString(e.Note + "\n")
		}
	}
	return b.String()
}

// keyMaterialIn returns a piece of the key found in s: the whole key, or
// any 16 characters of a line of its base64 body; "" when there is none.
func keyMaterialIn(s string, key []byte) string {
	if len(key) > 0 && strings.Contains(s, string(key)) {
		return "the whole key"
	}
	for _, line := range strings.Split(string(key), "\n") {
		if strings.HasPrefix(line, "-----") {
			continue
		}
		for i := 0; i+16 <= len(line); i += 8 {
			if strings.Contains(s, line[i:i+16]) {
				return line[i : i+16]
			}
		}
	}
	return ""
}

// newSSHKeyPEM returns a new ed25519 private key in OpenSSH PEM form.
func newSSHKeyPEM(t *testing.T) []byte {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "refused")
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(block)
}
