package deploy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// manifests is every object under k8s/, strictly decoded into its API type.
type manifests struct {
	deployments map[string]*appsv1.Deployment
	configMaps  map[string]*corev1.ConfigMap
	secrets     map[string]*corev1.Secret
	services    map[string]*corev1.Service
	pdbs        map[string]*policyv1.PodDisruptionBudget
	hpas        map[string]*autoscalingv2.HorizontalPodAutoscaler
	namespaces  map[string]*corev1.Namespace
	files       []string
}

func loadManifests(t *testing.T) *manifests {
	t.Helper()
	m := &manifests{deployments: map[string]*appsv1.Deployment{}, configMaps: map[string]*corev1.ConfigMap{},
		secrets: map[string]*corev1.Secret{}, services: map[string]*corev1.Service{},
		pdbs: map[string]*policyv1.PodDisruptionBudget{}, hpas: map[string]*autoscalingv2.HorizontalPodAutoscaler{},
		namespaces: map[string]*corev1.Namespace{}}
	paths, _ := filepath.Glob("k8s/*.yaml")
	for _, p := range paths {
		if filepath.Base(p) == "kustomization.yaml" {
			continue
		}
		m.files = append(m.files, filepath.Base(p))
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range splitDocs(raw) {
			if err := m.add(doc); err != nil {
				t.Errorf("%s document %d: %v", p, i, err)
			}
		}
	}
	return m
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

func splitDocs(raw []byte) [][]byte {
	var out [][]byte
	for _, d := range docSep.Split(string(raw), -1) {
		if strings.TrimSpace(stripComments(d)) != "" {
			out = append(out, []byte(d))
		}
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// add decodes one document strictly (unknown or duplicate fields fail) into
// the type its apiVersion/kind names.
func (m *manifests) add(doc []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return err
	}
	var obj interface{ GetName() string }
	switch tm.APIVersion + "/" + tm.Kind {
	case "apps/v1/Deployment":
		obj = &appsv1.Deployment{}
	case "v1/ConfigMap":
		obj = &corev1.ConfigMap{}
	case "v1/Secret":
		obj = &corev1.Secret{}
	case "v1/Service":
		obj = &corev1.Service{}
	case "v1/Namespace":
		obj = &corev1.Namespace{}
	case "policy/v1/PodDisruptionBudget":
		obj = &policyv1.PodDisruptionBudget{}
	case "autoscaling/v2/HorizontalPodAutoscaler":
		obj = &autoscalingv2.HorizontalPodAutoscaler{}
	default:
		return fmt.Errorf("unexpected %s %s", tm.APIVersion, tm.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return fmt.Errorf("strict decode %s: %w", tm.Kind, err)
	}
	if obj.GetName() == "" {
		return fmt.Errorf("%s without metadata.name", tm.Kind)
	}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		m.deployments[o.Name] = o
	case *corev1.ConfigMap:
		m.configMaps[o.Name] = o
	case *corev1.Secret:
		m.secrets[o.Name] = o
	case *corev1.Service:
		m.services[o.Name] = o
	case *corev1.Namespace:
		m.namespaces[o.Name] = o
	case *policyv1.PodDisruptionBudget:
		m.pdbs[o.Name] = o
	case *autoscalingv2.HorizontalPodAutoscaler:
		m.hpas[o.Name] = o
	}
	return nil
}

func (m *manifests) deployment(t *testing.T, name string) *appsv1.Deployment {
	t.Helper()
	d, ok := m.deployments[name]
	if !ok {
		t.Fatalf("no Deployment %q (have %v)", name, keys(m.deployments))
	}
	return d
}

func keys[V any](mp map[string]V) []string {
	var out []string
	for k := range mp {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestStrictDecodingRejectsUnknownFields(t *testing.T) {
	m := &manifests{deployments: map[string]*appsv1.Deployment{}}
	bad := []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replica: 2\n")
	if err := m.add(bad); err == nil {
		t.Fatal("a misspelt field (spec.replica) must fail strict decoding")
	}
}

func TestGatewayDeployment(t *testing.T) {
	m := loadManifests(t)
	d := m.deployment(t, "fledgling-gateway")
	checkSelector(t, d)
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("gateway replicas %v, want at least 2", d.Spec.Replicas)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if !slices.Equal(c.Args[:1], []string{"serve"}) {
		t.Errorf("gateway args %v, want serve ...", c.Args)
	}
	probe := func(name string, p *corev1.Probe, path string) {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path {
			t.Errorf("%s probe: want GET %s, got %+v", name, path, p)
			return
		}
		if !hasPort(c, p.HTTPGet.Port.String()) {
			t.Errorf("%s probe port %s is not a container port", name, p.HTTPGet.Port.String())
		}
	}
	probe("readiness", c.ReadinessProbe, "/readyz")
	probe("liveness", c.LivenessProbe, "/healthz")
	checkHardened(t, d)
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("gateway resources incomplete: %+v", c.Resources)
	}
	grace := int64(0)
	if d.Spec.Template.Spec.TerminationGracePeriodSeconds != nil {
		grace = *d.Spec.Template.Spec.TerminationGracePeriodSeconds
	}
	cfg := parseConfigMap(t, m, d)
	if need := cfg.Server.ShutdownTimeout.Seconds() + 5; float64(grace) < need {
		t.Errorf("terminationGracePeriodSeconds %d < server.shutdown_timeout + preStop (%gs)", grace, need)
	}
	if !hasPort(c, "8080") || !strings.HasSuffix(cfg.Server.Listen, ":8080") {
		t.Errorf("config listens on %s; container ports %+v", cfg.Server.Listen, c.Ports)
	}
}

func TestTrainerWorkerDeployment(t *testing.T) {
	m := loadManifests(t)
	d := m.deployment(t, "fledgling-trainer-worker")
	checkSelector(t, d)
	c := d.Spec.Template.Spec.Containers[0]
	if len(c.Args) < 2 || c.Args[0] != "trainer" || c.Args[1] != "worker" {
		t.Errorf("worker args %v, want trainer worker ...", c.Args)
	}
	checkHardened(t, d)
	parseConfigMap(t, m, d)
	gw := m.deployment(t, "fledgling-gateway")
	sel, _ := metav1.LabelSelectorAsSelector(gw.Spec.Selector)
	if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Error("the gateway selector also selects trainer-worker pods")
	}
}

func TestPDBServiceAndHPATargetTheGateway(t *testing.T) {
	m := loadManifests(t)
	gw := m.deployment(t, "fledgling-gateway")
	worker := m.deployment(t, "fledgling-trainer-worker")
	podLabels := labels.Set(gw.Spec.Template.Labels)
	if len(m.pdbs) != 1 {
		t.Fatalf("want one PodDisruptionBudget, got %v", keys(m.pdbs))
	}
	for name, pdb := range m.pdbs {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || !sel.Matches(podLabels) || sel.Matches(labels.Set(worker.Spec.Template.Labels)) {
			t.Errorf("PDB %s selector %v must select the gateway pods only", name, pdb.Spec.Selector)
		}
		if pdb.Spec.MinAvailable == nil && pdb.Spec.MaxUnavailable == nil {
			t.Errorf("PDB %s sets neither minAvailable nor maxUnavailable", name)
		}
	}
	svc, ok := m.services["fledgling"]
	if !ok {
		t.Fatalf("no Service fledgling: %v", keys(m.services))
	}
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
		t.Errorf("Service selector %v does not select gateway pods", svc.Spec.Selector)
	}
	for _, p := range svc.Spec.Ports {
		if !hasPort(gw.Spec.Template.Spec.Containers[0], p.TargetPort.String()) {
			t.Errorf("Service targetPort %s is not a gateway container port", p.TargetPort.String())
		}
	}
	if len(m.hpas) != 1 {
		t.Fatalf("want one HPA, got %v", keys(m.hpas))
	}
	for name, h := range m.hpas {
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || ref.Name != gw.Name {
			t.Errorf("HPA %s targets %+v, want Deployment %s", name, ref, gw.Name)
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 || h.Spec.MaxReplicas < *h.Spec.MinReplicas || len(h.Spec.Metrics) == 0 {
			t.Errorf("HPA %s: min %v max %d metrics %d", name, h.Spec.MinReplicas, h.Spec.MaxReplicas, len(h.Spec.Metrics))
		}
	}
}

// Keys reach pods only through secretKeyRef to a Secret and key that exist;
// no secret-looking variable carries a literal value.
func TestSecretsOnlyBySecretKeyRef(t *testing.T) {
	m := loadManifests(t)
	secretish := regexp.MustCompile(`(?i)(KEY|SECRET|PASSWORD|TOKEN|DSN)`)
	for _, d := range m.deployments {
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					ref := e.ValueFrom.SecretKeyRef
					s, ok := m.secrets[ref.Name]
					if !ok {
						t.Errorf("%s: %s references missing Secret %s", d.Name, e.Name, ref.Name)
						continue
					}
					if _, ok := s.StringData[ref.Key]; !ok {
						if _, ok := s.Data[ref.Key]; !ok {
							t.Errorf("%s: %s references missing key %s/%s", d.Name, e.Name, ref.Name, ref.Key)
						}
					}
					continue
				}
				if secretish.MatchString(e.Name) && e.Value != "" {
					t.Errorf("%s: %s has a literal value; use secretKeyRef", d.Name, e.Name)
				}
			}
		}
	}
}

func TestKustomizationListsEveryManifest(t *testing.T) {
	m := loadManifests(t)
	raw, err := os.ReadFile("k8s/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Namespace  string   `json:"namespace"`
		Resources  []string `json:"resources"`
	}
	if err := yaml.UnmarshalStrict(raw, &k); err != nil {
		t.Fatal(err)
	}
	got := slices.Clone(k.Resources)
	slices.Sort(got)
	want := slices.Clone(m.files)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("kustomization resources %v, manifests %v", got, want)
	}
	if _, ok := m.namespaces[k.Namespace]; !ok {
		t.Errorf("kustomization namespace %q has no Namespace manifest", k.Namespace)
	}
}

func checkSelector(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || sel.Empty() || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("%s: selector %v does not match its pod labels %v", d.Name, d.Spec.Selector, d.Spec.Template.Labels)
	}
}

// checkHardened: non-root, read-only root filesystem, no privilege escalation, no capabilities.
func checkHardened(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	ps := d.Spec.Template.Spec.SecurityContext
	for _, c := range d.Spec.Template.Spec.Containers {
		sc := c.SecurityContext
		nonRoot := (sc != nil && sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) || (ps != nil && ps.RunAsNonRoot != nil && *ps.RunAsNonRoot)
		if !nonRoot {
			t.Errorf("%s/%s: runAsNonRoot not set", d.Name, c.Name)
		}
		if ps == nil || ps.RunAsUser == nil || *ps.RunAsUser == 0 {
			t.Errorf("%s: pod runAsUser must be a non-zero uid", d.Name)
		}
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s/%s: readOnlyRootFilesystem not true", d.Name, c.Name)
		}
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s/%s: allowPrivilegeEscalation must be false", d.Name, c.Name)
		}
		if sc == nil || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			t.Errorf("%s/%s: capabilities must drop ALL", d.Name, c.Name)
		}
	}
}

func hasPort(c corev1.Container, port string) bool {
	for _, p := range c.Ports {
		if p.Name == port || fmt.Sprint(p.ContainerPort) == port {
			return true
		}
	}
	return false
}

// parseConfigMap finds the config file the Deployment passes with --config,
// checks it is mounted from a ConfigMap, and parses it with config.Parse
// after setting every variable the pod defines (secrets get test values).
func parseConfigMap(t *testing.T, m *manifests, d *appsv1.Deployment) *config.Config {
	t.Helper()
	c := d.Spec.Template.Spec.Containers[0]
	i := slices.Index(c.Args, "--config")
	if i < 0 || i+1 >= len(c.Args) {
		t.Fatalf("%s: no --config argument in %v", d.Name, c.Args)
	}
	path := c.Args[i+1]
	raw := mountedConfigMapFile(t, m, d, c, path)
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			t.Setenv(e.Name, "test-"+strings.ToLower(e.Name))
		case e.ValueFrom == nil:
			t.Setenv(e.Name, e.Value)
		}
	}
	t.Setenv("FLEDGLING_DSN", "postgres://fledgling:pw@postgres:5432/fledgling?sslmode=disable")
	cfg, err := config.Parse(raw)
	if err != nil {
		t.Fatalf("%s: the ConfigMap's %s does not pass config validation: %v", d.Name, path, err)
	}
	if !strings.HasPrefix(cfg.Storage.DSN, "postgres") || cfg.Redis.Addr == "" {
		t.Errorf("%s: replicas must share PostgreSQL and Redis; got dsn %q redis %q", d.Name, cfg.Storage.DSN, cfg.Redis.Addr)
	}
	return cfg
}

func mountedConfigMapFile(t *testing.T, m *manifests, d *appsv1.Deployment, c corev1.Container, path string) []byte {
	t.Helper()
	for _, vm := range c.VolumeMounts {
		if filepath.Dir(path) != vm.MountPath {
			continue
		}
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Name != vm.Name || v.ConfigMap == nil {
				continue
			}
			cm, ok := m.configMaps[v.ConfigMap.Name]
			if !ok {
				t.Fatalf("%s: volume %s uses missing ConfigMap %s", d.Name, v.Name, v.ConfigMap.Name)
			}
			data, ok := cm.Data[filepath.Base(path)]
			if !ok {
				t.Fatalf("%s: ConfigMap %s has no key %s", d.Name, cm.Name, filepath.Base(path))
			}
			return bytes.TrimSpace([]byte(data))
		}
	}
	t.Fatalf("%s: %s is not mounted from a ConfigMap", d.Name, path)
	return nil
}
