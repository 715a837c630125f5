package config

import "strings"

// StorageType names a key-value storage backend, spelled as upstream's
// KeyValueStorageType (snake_case aliases are accepted on input).
type StorageType string

// Storage backends upstream knows. Only Memory and LocalFs are implemented.
const (
	StorageMemory    StorageType = "Memory"
	StorageLocalFs   StorageType = "LocalFs"
	StorageLocalJSON StorageType = "LocalJson"
	StoragePostgres  StorageType = "Postgres"
	StorageRedis     StorageType = "Redis"
)

// Upstream default locations and addresses, used when a backend table is absent.
const (
	DefaultLocalFsDir    = "/opt/confidential-containers/storage/local_fs"
	DefaultLocalJSONDir  = "/opt/confidential-containers/storage/local_json"
	DefaultRedisURL      = "redis://127.0.0.1:6379"
	defaultPostgresDB    = "postgres"
	defaultPostgresUser  = "postgres"
	defaultPostgresHost  = "localhost"
	defaultPostgresPort  = 5432
	storageTypeSupported = "supported: Memory, LocalFs"
)

var storageAliases = map[string]StorageType{
	"memory":     StorageMemory,
	"local_fs":   StorageLocalFs,
	"local_json": StorageLocalJSON,
	"postgres":   StoragePostgres,
	"redis":      StorageRedis,
}

// canonical maps a snake_case alias to upstream's spelling; other values
// are returned unchanged for Validate to judge.
func (t StorageType) canonical() StorageType {
	if c, ok := storageAliases[string(t)]; ok {
		return c
	}
	return t
}

// StorageBackend is [storage_backend]: the one key-value store every part of
// Trustee (resources, policies, reference values, sessions) shares.
type StorageBackend struct {
	StorageType StorageType `toml:"storage_type"`
	Backends    Backends    `toml:"backends"`
}

// Backends holds the per-backend settings; only the one named by storage_type is used.
type Backends struct {
	LocalFs   LocalFsBackend   `toml:"local_fs"`
	LocalJSON LocalJSONBackend `toml:"local_json"`
	Postgres  PostgresBackend  `toml:"postgres"`
	Redis     RedisBackend     `toml:"redis"`
}

// LocalFsBackend is [storage_backend.backends.local_fs].
type LocalFsBackend struct {
	DirPath string `toml:"dir_path"`
}

// LocalJSONBackend is [storage_backend.backends.local_json] (parsed, not implemented).
type LocalJSONBackend struct {
	FileDirPath string `toml:"file_dir_path"`
}

// PostgresBackend is [storage_backend.backends.postgres] (parsed, not implemented).
type PostgresBackend struct {
	DB       string `toml:"db"`
	Username string `toml:"username"`
	Password Secret `toml:"password"`
	Port     uint16 `toml:"port"`
	Host     string `toml:"host"`
}

// RedisBackend is [storage_backend.backends.redis] (parsed, not implemented).
type RedisBackend struct {
	URL string `toml:"url"`
}

func defaultStorageBackend() StorageBackend {
	return StorageBackend{
		StorageType: StorageMemory,
		Backends: Backends{
			LocalFs:   LocalFsBackend{DirPath: DefaultLocalFsDir},
			LocalJSON: LocalJSONBackend{FileDirPath: DefaultLocalJSONDir},
			Postgres: PostgresBackend{
				DB: defaultPostgresDB, Username: defaultPostgresUser,
				Host: defaultPostgresHost, Port: defaultPostgresPort,
			},
			Redis: RedisBackend{URL: DefaultRedisURL},
		},
	}
}

func (s *StorageBackend) normalize() {
	s.StorageType = s.StorageType.canonical()
}

func (s StorageBackend) validate(p *problems) {
	checkStorageType(p, "storage_backend.storage_type", s.StorageType, false)
	if s.StorageType == StorageLocalFs && strings.TrimSpace(s.Backends.LocalFs.DirPath) == "" {
		p.invalid("storage_backend.backends.local_fs.dir_path", "must not be empty with storage_type = %q", StorageLocalFs)
	}
}

// checkStorageType validates a storage type; optional ones may be empty,
// meaning "inherit storage_backend.storage_type".
func checkStorageType(p *problems, key string, t StorageType, optional bool) {
	switch t.canonical() {
	case StorageMemory, StorageLocalFs:
	case StorageLocalJSON, StoragePostgres, StorageRedis:
		p.unsupported(key, "%q (%s)", t, storageTypeSupported)
	case "":
		if !optional {
			p.invalid(key, "must be set (%s)", storageTypeSupported)
		}
	default:
		p.invalid(key, "unknown storage type %q (%s)", t, storageTypeSupported)
	}
}
