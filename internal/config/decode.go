package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The config is decoded from the yaml.Node tree by hand, not by
// yaml.Decoder.KnownFields: the decoder stops at the first unknown key and
// names Go types in its messages. Walking the tree reports every unknown key
// and bad value at once, each with its line and YAML field path.

var (
	nodeType    = reflect.TypeFor[yaml.Node]()
	jobsType    = reflect.TypeFor[Jobs]()
	unmarshaler = reflect.TypeFor[yaml.Unmarshaler]()
)

// parseNode parses a YAML document into its node tree. A syntax error is a
// Problem on the line where the document stops being YAML.
func parseNode(b []byte) (*yaml.Node, Problems) {
	var doc yaml.Node
	err := yaml.Unmarshal(b, &doc)
	if err == nil {
		if len(doc.Content) == 0 {
			return nil, Problems{{Msg: "empty config"}}
		}
		return doc.Content[0], nil
	}
	msg, line := yamlError(err)
	if l := firstBadLine(b, msg); l > 0 {
		line = l
	}
	return nil, Problems{{Line: line, Msg: "YAML syntax: " + msg}}
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

func yamlError(err error) (msg string, line int) {
	msg = err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	return strings.TrimPrefix(msg, "yaml: "), line
}

// firstBadLine returns the first line L such that the document's first L
// lines fail with the same message, or 0. yaml.v3 reports the line where
// the enclosing block starts (a mis-indented key on line 5 is reported on
// line 2); a prefix of a block document is a document, so the first prefix
// that fails the same way ends on the line at fault.
func firstBadLine(b []byte, msg string) int {
	lines := bytes.SplitAfter(b, []byte("\n"))
	if len(lines) > 2000 {
		return 0 // not a config file a person wrote
	}
	var prefix []byte
	for i, l := range lines {
		prefix = append(prefix, l...)
		var n yaml.Node
		if err := yaml.Unmarshal(prefix, &n); err != nil {
			if m, _ := yamlError(err); m == msg {
				return i + 1
			}
		}
	}
	return 0
}

// decodeNode decodes n into the value v points to, collecting a Problem for
// each unknown key and each value of the wrong kind. path is n's field path.
func decodeNode(n *yaml.Node, v any, path string) Problems {
	if n == nil || n.Kind == 0 {
		return nil
	}
	return decodeValue(n, reflect.ValueOf(v).Elem(), path)
}

func decodeValue(n *yaml.Node, rv reflect.Value, path string) Problems {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	t := rv.Type()
	switch {
	case t == nodeType:
		rv.Set(reflect.ValueOf(*n))
		return nil
	case t == jobsType:
		return decodeJobs(n, rv.Addr().Interface().(*Jobs), path)
	case t.Kind() == reflect.Pointer && n.Tag != "!!null":
		if rv.IsNil() {
			rv.Set(reflect.New(t.Elem()))
		}
		return decodeValue(n, rv.Elem(), path)
	case t.Kind() == reflect.Struct && !reflect.PointerTo(t).Implements(unmarshaler):
		return decodeStruct(n, rv, path)
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.Struct:
		return decodeStructMap(n, rv, path)
	}
	if err := n.Decode(rv.Addr().Interface()); err != nil {
		var te *yaml.TypeError
		msg := err.Error()
		if errors.As(err, &te) || strings.HasPrefix(msg, "yaml: unmarshal errors") {
			msg = fmt.Sprintf("%s is not %s", show(n), kindName(t))
		}
		return Problems{{Path: path, Line: n.Line, Msg: lineRE.ReplaceAllString(msg, "")}}
	}
	return nil
}

// decodeStruct decodes a mapping into a struct by its yaml tags.
func decodeStruct(n *yaml.Node, rv reflect.Value, path string) Problems {
	if n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return Problems{{Path: path, Line: n.Line, Msg: fmt.Sprintf("%s is not a mapping of keys to values", show(n))}}
	}
	fields := map[string]int{}
	var names []string
	for i := range rv.NumField() {
		tag, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			fields[tag] = i
			names = append(names, tag)
		}
	}
	var ps Problems
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		if seen[k.Value] {
			ps = append(ps, Problem{Path: p, Line: k.Line, Msg: "key given twice"})
			continue
		}
		seen[k.Value] = true
		fi, ok := fields[k.Value]
		if !ok {
			ps = append(ps, Problem{Path: p, Line: k.Line, Msg: unknownKey(k.Value, names)})
			continue
		}
		ps = append(ps, decodeValue(v, rv.Field(fi), p)...)
	}
	return ps
}

// decodeStructMap decodes a mapping of names to structs (iceberg.catalogs),
// each value as strictly as a struct field.
func decodeStructMap(n *yaml.Node, rv reflect.Value, path string) Problems {
	if n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return Problems{{Path: path, Line: n.Line, Msg: fmt.Sprintf("%s is not a mapping of names to values", show(n))}}
	}
	if rv.IsNil() {
		rv.Set(reflect.MakeMap(rv.Type()))
	}
	var ps Problems
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		if rv.MapIndex(reflect.ValueOf(k.Value)).IsValid() {
			ps = append(ps, Problem{Path: p, Line: k.Line, Msg: "key given twice"})
			continue
		}
		ev := reflect.New(rv.Type().Elem()).Elem()
		ps = append(ps, decodeValue(v, ev, p)...)
		rv.SetMapIndex(reflect.ValueOf(k.Value), ev)
	}
	return ps
}

// decodeJobs decodes the jobs mapping in file order; a name given twice is
// kept for Validate to report rather than silently overriding the first.
func decodeJobs(n *yaml.Node, j *Jobs, path string) Problems {
	if n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return Problems{{Path: path, Line: n.Line, Msg: "must be a mapping of job name to job"}}
	}
	var ps Problems
	for i := 0; i+1 < len(n.Content); i += 2 {
		name := n.Content[i].Value
		if j.Get(name) != nil {
			j.dups = append(j.dups, name)
			continue
		}
		job := &Job{}
		ps = append(ps, decodeValue(n.Content[i+1], reflect.ValueOf(job).Elem(), join(path, name))...)
		job.Name = name
		j.list = append(j.list, job)
	}
	return ps
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// unknownKey says a key is unknown and suggests the nearest known one.
func unknownKey(key string, known []string) string {
	best, dist := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < dist {
			best, dist = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown key %q (did you mean %q?)", key, best)
	}
	sorted := slices.Sorted(slices.Values(known))
	return fmt.Sprintf("unknown key %q (known keys: %s)", key, strings.Join(sorted, ", "))
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// show renders a node for a message: a scalar quoted, else its kind.
func show(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return "the value"
}

// kindName names what a Go type holds in YAML terms.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(kindName(t.Elem()), "a ") + "s"
	case reflect.Map:
		return "a mapping"
	}
	return "a " + strings.ToLower(t.Name())
}

// lineOf returns the line of the field at path (as Validate names it:
// a.b, a[2], a["key"], a.2019) in the tree under root, or 0.
func lineOf(root *yaml.Node, path string) int {
	n, line := root, 0
	for _, seg := range splitPath(path) {
		if n == nil {
			return line
		}
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == seg {
					line, next = n.Content[i].Line, n.Content[i+1]
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
				line = next.Line
			}
		}
		n = next
	}
	return line
}

// splitPath splits a.b[2]["k.x"].c into a, b, 2, k.x, c.
func splitPath(path string) []string {
	var segs []string
	for path != "" {
		switch {
		case path[0] == '.':
			path = path[1:]
		case strings.HasPrefix(path, `["`):
			end := 2
			for end < len(path) && path[end] != '"' {
				if path[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(path) {
				return append(segs, path)
			}
			k, err := strconv.Unquote(path[1 : end+1])
			if err != nil {
				k = path[2:end]
			}
			segs = append(segs, k)
			path = strings.TrimPrefix(path[end+1:], "]")
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return append(segs, path[1:])
			}
			segs = append(segs, path[1:end])
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			segs = append(segs, path[:end])
			path = path[end:]
		}
	}
	return segs
}
