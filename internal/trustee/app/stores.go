package app

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/cocoon-cc/cocoon/internal/trustee/config"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

// stores opens each configured storage backend once, so that namespaces
// configured on the same backend share it.
type stores struct {
	cfg    *config.Config
	shared storage.Store // Options.Store: serves everything, not ours to close
	opened map[config.StorageType]storage.Store
}

func newStores(cfg *config.Config, shared storage.Store) *stores {
	return &stores{cfg: cfg, shared: shared, opened: make(map[config.StorageType]storage.Store)}
}

// openAll opens the backends of the main, session, AS and RVPS namespaces.
func (s *stores) openAll() (main, sessions, as, rv storage.Store, err error) {
	if main, err = s.open(s.cfg.StorageBackend.StorageType); err != nil {
		return
	}
	if sessions, err = s.open(s.cfg.SessionStorage()); err != nil {
		return
	}
	if as, err = s.open(s.cfg.ASStorage()); err != nil {
		return
	}
	rv, err = s.open(s.cfg.RVPSStorage())
	return
}

func (s *stores) open(t config.StorageType) (storage.Store, error) {
	if s.shared != nil {
		return s.shared, nil
	}
	if st, ok := s.opened[t]; ok {
		return st, nil
	}
	var (
		st  storage.Store
		err error
	)
	switch t {
	case config.StorageMemory:
		st = storage.NewMemory()
	case config.StorageLocalFs:
		dir := s.cfg.StorageBackend.Backends.LocalFs.DirPath
		if st, err = storage.OpenLocalFs(dir); err != nil {
			return nil, fmt.Errorf("storage_backend.backends.local_fs: %w", err)
		}
	default:
		return nil, fmt.Errorf("storage type %q is not implemented (Memory, LocalFs)", t)
	}
	s.opened[t] = st
	return st, nil
}

// close closes what open opened; a failure is logged and returned.
func (s *stores) close(logger *slog.Logger) error {
	var errs []error
	for _, st := range s.opened {
		errs = append(errs, st.Close())
	}
	clear(s.opened)
	err := errors.Join(errs...)
	if err != nil {
		logger.Warn("closing storage", slog.String("error", err.Error()))
	}
	return err
}
