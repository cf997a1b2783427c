package deploy_test

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// TestChartValues renders the chart with the values that change the
// controller's Deployment, and checks the args, ports, volumes and
// Services each one gives, or the error a wrong one gives; and the
// finalizer policy, rendered when the cluster serves its kind and
// finalizerPolicy.enabled is left true.
func TestChartValues(t *testing.T) {
	tests := []struct {
		name        string
		namespace   string
		values      string
		apiVersions []string // served besides Helm's defaults
		wantArgs    []string
		want        []string // substrings of the rendered YAML
		notWant     []string
		wantErr     string
	}{{
		name:     "defaults",
		wantArgs: []string{"controller", "--leader-elect", "--metrics-address=:8080", "--health-probe-address=:8081"},
		want:     []string{"image: " + testImage, "replicas: 1"},
		notWant:  []string{"MutatingAdmissionPolicy"},
	}, {
		name:        "a cluster that serves the finalizer policy",
		apiVersions: servesPolicy,
		want: []string{"kind: MutatingAdmissionPolicy\n", "kind: MutatingAdmissionPolicyBinding", "policyName: tugboat-prune-finalizer",
			"tugboat.dev/prune", "failurePolicy: Ignore", "app.kubernetes.io/managed-by: Helm"},
	}, {
		name:        "finalizer policy off",
		values:      `finalizerPolicy: {enabled: false}`,
		apiVersions: servesPolicy,
		notWant:     []string{"MutatingAdmissionPolicy"},
	}, {
		name:      "another namespace keeps the Lease there",
		namespace: "gitops",
		wantArgs:  []string{"controller", "--leader-elect", "--leader-election-namespace=gitops", "--metrics-address=:8080", "--health-probe-address=:8081"},
		want:      []string{"namespace: gitops"},
	}, {
		name: "tag only",
		values: `
image: {digest: "", tag: v1.2.3}`,
		want: []string{"image: " + testRepo + ":v1.2.3"},
	}, {
		name: "no leader election, metrics off, log level, extra args",
		values: `
replicas: 2
leaderElection: {enabled: false}
metrics: {enabled: false}
logLevel: debug
extraArgs: [--concurrency=8]`,
		wantArgs: []string{"controller", "--metrics-address=", "--health-probe-address=:8081", "--log-level=debug", "--concurrency=8"},
		want:     []string{"replicas: 2"},
	}, {
		name: "webhook",
		values: `
webhook: {enabled: true, port: 9443, receivers: [{name: gh, provider: github}, {name: ci, provider: generic}], secretName: hooks}`,
		wantArgs: []string{"controller", "--leader-elect", "--metrics-address=:8080", "--health-probe-address=:8081",
			"--webhook-address=:9443", "--webhook-receiver=gh=github", "--webhook-receiver=ci=generic", "--webhook-secrets-dir=/etc/tugboat/webhooks"},
		want: []string{"kind: Service", "name: tugboat-controller-webhook", "targetPort: webhook", "containerPort: 9443", "secretName: hooks"},
	}, {
		name: "scheduling and resources",
		values: `
nodeSelector: {kubernetes.io/os: linux}
tolerations: [{key: dedicated, operator: Exists}]
affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]}}}
resources: {requests: {cpu: 200m}}
rbac: {applyClusterRole: tugboat-apply}
imagePullSecrets: [{name: regcred}]
image: {pullPolicy: Always}`,
		want: []string{"kubernetes.io/os: linux", "key: dedicated", "key: zone", "cpu: 200m", "name: tugboat-apply", "name: regcred", "imagePullPolicy: Always"},
	}, {
		name:    "no image",
		values:  `image: {repository: ""}`,
		wantErr: "image.repository is required",
	}, {
		name:    "neither digest nor tag",
		values:  `image: {digest: ""}`,
		wantErr: "image.digest (preferred: it cannot move) or image.tag is required",
	}, {
		name:    "bad digest",
		values:  `image: {digest: "sha256:abc"}`,
		wantErr: `image.digest "sha256:abc"`,
	}, {
		name:    "webhook without receivers",
		values:  `webhook: {enabled: true, secretName: hooks}`,
		wantErr: "webhook.enabled needs webhook.receivers",
	}, {
		name:    "webhook without a secret",
		values:  `webhook: {enabled: true, receivers: [{name: gh, provider: github}]}`,
		wantErr: "webhook.secretName is required",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := imageValues()
			var extra map[string]any
			if err := yaml.Unmarshal([]byte(tt.values), &extra); err != nil {
				t.Fatal(err)
			}
			merge(values, extra)
			ns := tt.namespace
			if ns == "" {
				ns = "tugboat-system"
			}
			objs, err := renderChart(t, ns, values, tt.apiVersions...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			text := yamlOf(t, objs)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("no %q in\n%s", w, text)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(text, w) {
					t.Errorf("%q in\n%s", w, text)
				}
			}
			if tt.wantArgs != nil {
				if args := controllerArgs(t, objs); !slices.Equal(args, tt.wantArgs) {
					t.Errorf("args %q, want %q", args, tt.wantArgs)
				}
			}
		})
	}
}

// merge merges src into dst, maps key by key, as Helm coalesces values.
func merge(dst, src map[string]any) {
	for k, v := range src {
		sm, ok := v.(map[string]any)
		dm, ok2 := dst[k].(map[string]any)
		if ok && ok2 {
			merge(dm, sm)
			continue
		}
		dst[k] = v
	}
}

func yamlOf(t *testing.T, objs []*object.Object) string {
	t.Helper()
	var b strings.Builder
	for _, o := range objs {
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.String()
}

func controllerArgs(t *testing.T, objs []*object.Object) []string {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		if len(containers) != 1 {
			t.Fatalf("%d containers", len(containers))
		}
		var args []string
		for _, a := range containers[0].(map[string]any)["args"].([]any) {
			args = append(args, a.(string))
		}
		return args
	}
	t.Fatal("no Deployment")
	return nil
}
