package policy

import (
	"github.com/open-policy-agent/opa/v1/ast"
)

// inputShape is the part of the input document a policy can read: the
// subtrees at the constant key paths of its references to input. Converting
// the input to OPA terms is a large share of an evaluation (a resource
// policy's input is the whole token, ~300 allocations), and most policies
// read a few keys of it, or none, as the allow-all policy does.
//
// A policy reaches input only through refs rooted at the input variable
// (imports of input are refs too, and every read through an import alias is
// inside the imported path), so keeping, for every such ref, the whole
// subtree at its longest constant-string prefix keeps everything the policy
// can observe: `input.a.b[x]` keeps all of input.a.b, a bare `input` (or
// `input[x]`, `walk(input, ...)`) keeps all of it.
type inputShape struct {
	// whole keeps the subtree here entirely.
	whole bool
	// keys are the members read below this point when not whole.
	keys map[string]*inputShape
}

// wholeInput is the shape that keeps everything.
var wholeInput = &inputShape{whole: true}

// shapeOf is the input shape of module.
func shapeOf(module *ast.Module) *inputShape {
	shape := &inputShape{}
	var visit func(x any) bool
	visit = func(x any) bool {
		switch v := x.(type) {
		case ast.Ref:
			if !v.HasPrefix(ast.InputRootRef) {
				return false
			}
			shape.add(constantKeys(v[1:]))
			// The rest of the ref may hold other refs: input.a[input.b].
			for _, t := range v[1:] {
				ast.NewGenericVisitor(visit).Walk(t)
			}
			return true
		case ast.Var:
			// The parser always makes input a ref; a bare variable named
			// input elsewhere is not expected, so keep everything.
			if v.Equal(ast.InputRootDocument.Value) {
				shape.add(nil)
			}
		}
		return false
	}
	ast.NewGenericVisitor(visit).Walk(module)
	return shape
}

// constantKeys is the leading run of string keys of a ref's tail.
func constantKeys(tail ast.Ref) []string {
	keys := make([]string, 0, len(tail))
	for _, t := range tail {
		s, ok := t.Value.(ast.String)
		if !ok {
			break
		}
		keys = append(keys, string(s))
	}
	return keys
}

// add keeps the subtree at path.
func (s *inputShape) add(path []string) {
	node := s
	for _, key := range path {
		if node.whole {
			return
		}
		if node.keys == nil {
			node.keys = make(map[string]*inputShape)
		}
		next, ok := node.keys[key]
		if !ok {
			next = &inputShape{}
			node.keys[key] = next
		}
		node = next
	}
	node.whole, node.keys = true, nil
}

// value converts the part of input the shape keeps. Anything but a JSON
// object where the shape descends is converted whole, so the policy sees
// exactly what it would have seen.
func (s *inputShape) value(input any) (ast.Value, error) {
	if s.whole {
		return ast.InterfaceToValue(input)
	}
	obj, ok := input.(map[string]any)
	if !ok || obj == nil {
		return ast.InterfaceToValue(input)
	}
	kept := ast.NewObject()
	for key, child := range s.keys {
		member, ok := obj[key]
		if !ok {
			continue
		}
		v, err := child.value(member)
		if err != nil {
			return nil, err
		}
		kept.Insert(ast.StringTerm(key), ast.NewTerm(v))
	}
	return kept, nil
}
