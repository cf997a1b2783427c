package v1alpha1

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

var (
	applications  = SchemeGroupVersion.WithResource("applications")
	imagePolicies = SchemeGroupVersion.WithResource("imagepolicies")
)

// TestCRD installs the generated CRD in a real API server: the shared
// spec, values included, survives a round trip; the schema refuses what
// Validate refuses; and the status speaks kstatus.
func TestCRD(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "crd"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	installCRD(ctx, t, env, "../../deploy/crds/tugboat.dev_applications.yaml")
	installCRD(ctx, t, env, "../../deploy/crds/tugboat.dev_imagepolicies.yaml")
	apps := dynamic.NewForConfigOrDie(env.Config).Resource(applications).Namespace("default")
	t.Run("round trip", func(t *testing.T) { testRoundTrip(ctx, t, apps) })
	t.Run("refused", func(t *testing.T) { testRefused(ctx, t, apps) })
	t.Run("image policies", func(t *testing.T) {
		testImagePolicies(ctx, t, dynamic.NewForConfigOrDie(env.Config).Resource(imagePolicies).Namespace("default"))
	})
	t.Run("kstatus", func(t *testing.T) { testKstatus(ctx, t, apps) })
}

func installCRD(ctx context.Context, t *testing.T, env *testenv.Cluster, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &crd); err != nil {
		t.Fatal(err)
	}
	crds := apiextclient.NewForConfigOrDie(env.Config).ApiextensionsV1().CustomResourceDefinitions()
	if _, err := crds.Create(ctx, &crd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(ctx, t, "CRD established", func() (bool, error) {
		got, err := crds.Get(ctx, crd.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range got.Status.Conditions {
			if c.Type == apiextensionsv1.Established {
				return c.Status == apiextensionsv1.ConditionTrue, nil
			}
		}
		return false, nil
	})
}

func testRoundTrip(ctx context.Context, t *testing.T, apps dynamic.ResourceInterface) {
	sent := manifest(t, "web", sharedSpec)
	// Discovery of a new CRD's endpoint can lag its Established condition.
	poll(ctx, t, "create Application", func() (bool, error) {
		_, err := apps.Create(ctx, sent, metav1.CreateOptions{})
		return err == nil, err
	})
	got, err := apps.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, back := decode(t, sent), decode(t, got)
	if !reflect.DeepEqual(values(t, back), values(t, want)) {
		t.Errorf("values came back as %s, sent %s", back.Spec.Helm.Values.Raw, want.Spec.Helm.Values.Raw)
	}
	back.Spec.Helm.Values, want.Spec.Helm.Values = nil, nil
	if !reflect.DeepEqual(back.App(), want.App()) {
		t.Errorf("spec came back as %+v, sent %+v", back.App(), want.App())
	}
}

func testRefused(ctx context.Context, t *testing.T, apps dynamic.ResourceInterface) {
	tests := []struct {
		name, objName, spec, wantErr string
	}{
		{"context and cluster", "a", "path: x\ndestination: {context: dev, cluster: {secretRef: {name: s}}}", "context and cluster are mutually exclusive"},
		{"secret without name", "a", "path: x\ndestination: {cluster: {secretRef: {key: k}}}", "spec.destination.cluster.secretRef.name: Required value"},
		{"renderer", "a", "path: x\nrenderer: jsonnet", `spec.renderer: Unsupported value: "jsonnet"`},
		{"no path or chart", "a", "repo: https://example.com/r.git", "path: required unless chart is given"},
		{"empty path", "a", "path: \"\"", "path: required unless chart is given"},
		{"values not a mapping", "a", "path: x\nhelm: {values: [1]}", "spec.helm.values: Invalid value"},
		{"spec name", "a", "name: Web\npath: x", "spec.name: Invalid value"},
		{"object name not a label", "web.prod", "path: x", "metadata.name: want a DNS label"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := apps.Create(ctx, manifest(t, tt.objName, tt.spec), metav1.CreateOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	accepted := map[string]string{
		"web.prod": "name: web-prod\npath: x",
		"chart":    "chart: {repo: https://charts.example.com, name: web}",
		"no-ctx":   "path: x\ndestination: {context: \"\", cluster: {secretRef: {name: s}}}",
	}
	for name, spec := range accepted {
		if _, err := apps.Create(ctx, manifest(t, name, spec), metav1.CreateOptions{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func testKstatus(ctx context.Context, t *testing.T, apps dynamic.ResourceInterface) {
	obj, err := apps.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	app := decode(t, obj)
	app.Status = ApplicationStatus{
		ObservedGeneration: app.Generation, LastAppliedRevision: "main@sha1:0123abc",
		Conditions: []metav1.Condition{{Type: ReadyCondition, Status: metav1.ConditionTrue, Reason: "Applied",
			Message: "applied 3 objects", LastTransitionTime: metav1.Now(), ObservedGeneration: app.Generation}},
		Inventory: &InventorySummary{Objects: 3},
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&app)
	if err != nil {
		t.Fatal(err)
	}
	updated, err := apps.UpdateStatus(ctx, &unstructured.Unstructured{Object: u}, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := status.Compute(updated)
	if err != nil || res.Status != status.CurrentStatus {
		t.Errorf("kstatus = %+v, %v; want Current", res, err)
	}
}

func manifest(t *testing.T, name, spec string) *unstructured.Unstructured {
	t.Helper()
	indented := "  " + strings.ReplaceAll(strings.TrimSuffix(spec, "\n"), "\n", "\n  ")
	doc := "apiVersion: tugboat.dev/v1alpha1\nkind: Application\nmetadata: {name: " + name + "}\nspec:\n" + indented + "\n"
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func decode(t *testing.T, u *unstructured.Unstructured) Application {
	t.Helper()
	data, err := u.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var app Application
	if err := json.Unmarshal(data, &app); err != nil {
		t.Fatal(err)
	}
	return app
}

func values(t *testing.T, app Application) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(app.Spec.Helm.Values.Raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func poll(ctx context.Context, t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	var last error
	err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(context.Context) (bool, error) {
		ok, err := cond()
		last = err
		return ok, nil
	})
	if err != nil {
		t.Fatalf("%s: %v (last error: %v)", what, err, last)
	}
}

// testImagePolicies: what ImagePolicySpec.Validate refuses, admission
// refuses too, so that a bad policy never reaches the controller.
func testImagePolicies(ctx context.Context, t *testing.T, policies dynamic.ResourceInterface) {
	policy := func(name, spec string) *unstructured.Unstructured {
		var u unstructured.Unstructured
		doc := "apiVersion: tugboat.dev/v1alpha1\nkind: ImagePolicy\nmetadata: {name: " + name + "}\nspec: " + spec + "\n"
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatal(err)
		}
		return &u
	}
	tests := []struct {
		name, spec, wantErr string
	}{
		{"bad range", "{image: ghcr.io/org/web, policy: {semver: {range: '^^1'}}}", "spec.policy.semver.range: Invalid value"},
		{"range of a word", "{image: ghcr.io/org/web, policy: {semver: {range: latest}}}", "spec.policy.semver.range: Invalid value"},
		{"bad regex", "{image: ghcr.io/org/web, policy: {numerical: {}}, filterTags: {pattern: '(['}}", "not a valid regular expression"},
		{"two policies", "{image: ghcr.io/org/web, policy: {semver: {range: ^1}, alphabetical: {}}}", "want exactly one of semver, alphabetical, numerical, digest"},
		{"no policy", "{image: ghcr.io/org/web, policy: {}}", "want exactly one of"},
		{"extract without pattern", "{image: ghcr.io/org/web, policy: {numerical: {}}, filterTags: {extract: $ts}}", "extract requires pattern"},
		{"tag in image", "{image: 'ghcr.io/org/web:1.0', policy: {semver: {range: ^1}}}", "want a repository without tag or digest"},
		{"bad order", "{image: ghcr.io/org/web, policy: {numerical: {order: up}}}", `spec.policy.numerical.order: Unsupported value: "up"`},
		{"bad interval", "{image: ghcr.io/org/web, policy: {semver: {range: ^1}}, interval: soon}", "spec.interval: Invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			// Discovery of a new CRD's endpoint can lag its Established
			// condition: a NotFound is that, not the answer.
			poll(ctx, t, "create ImagePolicy", func() (bool, error) {
				_, err = policies.Create(ctx, policy("web", tt.spec), metav1.CreateOptions{})
				return err == nil || !strings.Contains(err.Error(), "the server could not find the requested resource"), nil
			})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	for name, spec := range map[string]string{
		"semver":  "{image: 127.0.0.1:5000/team/web, policy: {semver: {range: '>=1.0 <2.0 || 3.x', prereleases: true}}, interval: 30s}",
		"nightly": "{image: ghcr.io/org/web, policy: {numerical: {order: desc}}, filterTags: {pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)$', extract: $ts}}",
		"stable":  "{image: nginx, policy: {digest: {tag: stable}}}",
	} {
		if _, err := policies.Create(ctx, policy(name, spec), metav1.CreateOptions{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
