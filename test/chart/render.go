// render renders a Helm chart the way `helm template` does, for tests on machines without Helm:
// Go text/template, the sprig function map, and Helm's own functions (include, tpl, required,
// fail, toYaml, fromYaml, toJson), values merged from values.yaml and -f files, the built-in
// objects (.Values, .Release, .Chart, .Capabilities, .Template) and Helm's output framing.
//
// Usage: go run render.go -chart DIR [-f values.yaml]... [-release NAME] [-namespace NS]
// Errors (a `required` or `fail`, a template error) go to stderr with exit code 1.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v3"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

func readYAML(path string) (map[string]interface{}, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if err := yaml.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// merge overlays src onto dst as Helm coalesces values: maps merge, everything else replaces.
func merge(dst, src map[string]interface{}) map[string]interface{} {
	for k, v := range src {
		if sm, ok := v.(map[string]interface{}); ok {
			if dm, ok := dst[k].(map[string]interface{}); ok {
				dst[k] = merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}

func toYAML(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func main() {
	chartDir := flag.String("chart", "", "chart directory")
	release := flag.String("release", "release-name", "release name")
	namespace := flag.String("namespace", "default", "namespace")
	var files valueFiles
	flag.Var(&files, "f", "values file (repeatable)")
	flag.Parse()

	chart, err := readYAML(filepath.Join(*chartDir, "Chart.yaml"))
	check(err)
	values, err := readYAML(filepath.Join(*chartDir, "values.yaml"))
	check(err)
	for _, f := range files {
		v, err := readYAML(f)
		check(err)
		values = merge(values, v)
	}

	name, _ := chart["name"].(string)
	tmpl := template.New(name)
	funcs := sprig.TxtFuncMap()
	// Helm removes these two so templates cannot read the renderer's environment.
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, fmt.Errorf(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, fmt.Errorf(msg)
		}
		if a, ok := v.([]interface{}); ok && len(a) == 0 {
			return v, fmt.Errorf(msg)
		}
		return v, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", fmt.Errorf(msg) }
	funcs["include"] = func(n string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := tmpl.ExecuteTemplate(&buf, n, data)
		return buf.String(), err
	}
	funcs["tpl"] = func(s string, data interface{}) (string, error) {
		t, err := tmpl.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(s)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = t.Execute(&buf, data)
		return buf.String(), err
	}
	funcs["lookup"] = func(...interface{}) map[string]interface{} { return map[string]interface{}{} }
	tmpl.Funcs(funcs).Option("missingkey=zero")

	tdir := filepath.Join(*chartDir, "templates")
	entries, err := os.ReadDir(tdir)
	check(err)
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		p := filepath.Join(name, "templates", e.Name())
		b, err := os.ReadFile(filepath.Join(tdir, e.Name()))
		check(err)
		_, err = tmpl.New(p).Parse(string(b))
		check(err)
		names = append(names, p)
	}
	sort.Strings(names)

	data := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": *release, "Namespace": *namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Chart": map[string]interface{}{
			"Name": chart["name"], "Version": chart["version"], "AppVersion": chart["appVersion"],
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": "v1.29.0", "Major": "1", "Minor": "29"},
		},
	}

	var out bytes.Buffer
	for _, n := range names {
		base := filepath.Base(n)
		// Partials (_*.tpl) and NOTES.txt are not manifests.
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" {
			continue
		}
		data["Template"] = map[string]interface{}{"Name": n, "BasePath": filepath.Join(name, "templates")}
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, n, data); err != nil {
			fmt.Fprintln(os.Stderr, "Error:", err)
			os.Exit(1)
		}
		s := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.TrimSpace(s) == "" {
			continue
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", n, strings.TrimSpace(s))
	}
	os.Stdout.Write(out.Bytes())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
