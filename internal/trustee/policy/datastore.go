package policy

import (
	"context"
	"strconv"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
)

type dataDocKey struct{}

// withDataDocument carries the per-call data document (the KBS request's
// plugin, resource path and query) to dataStore.
func withDataDocument(ctx context.Context, doc ast.Object) context.Context {
	return context.WithValue(ctx, dataDocKey{}, doc)
}

// dataStore serves base documents from the evaluation's context instead of
// from stored state. OPA binds a store to a prepared query, while the KBS
// data document changes with every request; reading it from the context
// keeps one cached prepared query per policy and lets concurrent
// evaluations each see their own data. Everything but Read is the embedded
// (empty) store's.
type dataStore struct {
	storage.Store
}

func (s dataStore) Read(ctx context.Context, _ storage.Transaction, path storage.Path) (any, error) {
	doc, _ := ctx.Value(dataDocKey{}).(ast.Object)
	if doc == nil {
		return nil, notFound(path)
	}
	var value ast.Value = doc
	for _, key := range path {
		var next *ast.Term
		switch v := value.(type) {
		case ast.Object:
			next = v.Get(ast.StringTerm(key))
		case *ast.Array:
			// Storage paths spell array indices as decimal strings.
			if i, err := strconv.Atoi(key); err == nil {
				next = v.Get(ast.IntNumberTerm(i))
			}
		}
		if next == nil {
			return nil, notFound(path)
		}
		value = next.Value
	}
	return value, nil
}

func notFound(path storage.Path) error {
	return &storage.Error{Code: storage.NotFoundErr, Message: path.String()}
}
