package io.frameguard.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;

/**
 * Every {@code frameguard.*} setting of the service. Each can be overridden by an environment variable
 * (FRAMEGUARD_SCORER_MAX_BATCH for frameguard.scorer.max-batch). Values are validated at start: a missing or
 * out-of-range setting stops the service with a message that names it. Kafka connection and security
 * settings are the standard client properties under {@code kafka.*} (see application.properties).
 */
@ConfigMapping(prefix = "frameguard")
public interface FrameguardConfig {

    /**
     * This install's name on the Kafka cluster: the scorer's consumer group and transactional ids, the detector's
     * Streams application id (and so its internal topics) and the trainers' lease derive from it
     * ({@code INSTANCE-scorer}, {@code INSTANCE-detector}, {@code INSTANCE-trainer-MODEL}), so two installs on one
     * cluster never share them. The Helm chart sets it to the release's full name. Changing it on an existing install
     * starts new groups: see docs/DEPLOY.md before you do.
     */
    @WithDefault("frameguard") @jakarta.validation.constraints.Pattern(regexp = KAFKA_ID, message = KAFKA_ID_MESSAGE) String instance();

    /** What Kafka allows in group, transactional and application ids, kept short enough for the names derived from it. */
    String KAFKA_ID = "[a-zA-Z0-9][a-zA-Z0-9._-]{0,99}";
    String KAFKA_ID_MESSAGE = "must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit";
    /** What Kafka allows in a topic name. */
    String TOPIC_NAME = "(?!\\.\\.?$)[a-zA-Z0-9._-]{1,249}";
    String TOPIC_NAME_MESSAGE = "must be a Kafka topic name: 1-249 letters, digits, '.', '_' or '-', and not '.' or '..'";

    Topics topics();

    Model model();

    Frames frames();

    Scorer scorer();

    Detector detector();

    Drift drift();

    Memory memory();

    Registry registry();

    Metrics metrics();

    Api api();

    interface Topics {
        /** Input frames, key = source id. */
        @WithDefault("frames") @jakarta.validation.constraints.Pattern(regexp = TOPIC_NAME, message = TOPIC_NAME_MESSAGE) String frames();

        /** What the scorer says of each frame scored (in the binary format, a source's frames of a batch in one record). */
        @WithDefault("scores") @jakarta.validation.constraints.Pattern(regexp = TOPIC_NAME, message = TOPIC_NAME_MESSAGE) String scores();

        /**
         * How score records are written: {@code binary}, the compact layout (a fraction of the bytes and CPU per frame),
         * or {@code json}, for consumers that read the scores with generic tools. Readers take either (docs/EVENTS.md).
         */
        @WithDefault("binary") ScoresFormat scoresFormat();

        /** One event per anomaly. */
        @WithDefault("anomalies") @jakarta.validation.constraints.Pattern(regexp = TOPIC_NAME, message = TOPIC_NAME_MESSAGE) String anomalies();

        /** Frames that could not be scored, unchanged, with error headers. */
        @WithDefault("frames.dlq") @jakarta.validation.constraints.Pattern(regexp = TOPIC_NAME, message = TOPIC_NAME_MESSAGE) String dlq();

        /** Drift events: a source's scores leaving the model's validation distribution, and returning. */
        @WithDefault("drift") @jakarta.validation.constraints.Pattern(regexp = TOPIC_NAME, message = TOPIC_NAME_MESSAGE) String drift();

        /** Operators' verdicts on anomaly events (false alarm, confirmed), compacted by event id. */
        @WithDefault("verdicts") @jakarta.validation.constraints.Pattern(regexp = TOPIC_NAME, message = TOPIC_NAME_MESSAGE) String verdicts();

        /**
         * The anomaly memory: one record per incident (its latest event, signature and picture), compacted by incident
         * id, records older than {@code frameguard.memory.max-age} deleted.
         */
        @WithDefault("anomaly-memory") @jakarta.validation.constraints.Pattern(regexp = TOPIC_NAME, message = TOPIC_NAME_MESSAGE) String memory();

        /** Each source's scores and threshold minute by minute ({@code SourceMinute}), for the console's charts. */
        @WithDefault("source-history") @jakarta.validation.constraints.Pattern(regexp = TOPIC_NAME, message = TOPIC_NAME_MESSAGE) String history();

        /** How long the history topic keeps a minute ({@code retention.ms} of a topic created at start). */
        @WithDefault("2d") java.time.Duration historyRetention();

        /** Create missing topics at start (off where topics are managed elsewhere). */
        @WithDefault("true") boolean create();

        /** Partitions of topics created at start; scores gets as many as frames has. */
        @WithDefault("4") @Min(1) @Max(10000) int partitions();

        @WithDefault("1") @Min(1) @Max(16) short replicationFactor();
    }

    interface Model {
        /**
         * Model artifact directory (model-card.json + saved_model/), checked and then served from a copy in
         * {@code frameguard.registry.cache-dir} verified once copied. Required, unless the service follows the model
         * registry with a model name: it then starts with the version active there.
         */
        java.util.Optional<String> dir();
    }

    interface Frames {
        /** Content type assumed when a frame has no content-type header. */
        @WithDefault("application/json") @NotBlank String defaultContentType();

        /** Larger frames go to the dead-letter topic without being decoded (the default fits Kafka's default 1 MB message limit). */
        @WithDefault("1000000") @Min(16) @Max(100000000) int maxBytes();

        /** Larger images (width x height, read from the image's header) go to the dead-letter topic undecoded. */
        @WithDefault("16777216") @Min(1) @Max(1000000000) long maxImagePixels();

        /**
         * Larger decoded pictures (width x height x bits per pixel, read from the header: 16-bit RGBA is eight bytes a
         * pixel) go to the dead-letter topic undecoded; each decoding thread holds at most one.
         */
        @WithDefault("67108864") @Min(65536) @Max(4294967296L) long maxDecodedImageBytes();

        /**
         * Frames whose key (the source id) is longer go to the dead-letter topic ({@code key-too-large}): the key is
         * written into every score and event about the frame, so an unbounded one could make them too large to send.
         */
        @WithDefault("1024") @Min(1) @Max(100000) int maxKeyBytes();
    }

    interface Drift {
        /** Frames per source in each window whose score distribution is compared with the model's validation scores. */
        @WithDefault("1000") @Min(100) @Max(10000000) int windowFrames();

        /** Population stability index from which a window counts as drifted (0.1 moderate, 0.25 large shift). */
        @WithDefault("0.2") @DecimalMin("0.01") @DecimalMax("10") double psiThreshold();
    }

    interface Memory {
        /**
         * Past incidents each replica remembers (read from the memory topic at start and as they come), searched by
         * similarity through the API; those seen longest ago are forgotten first. 0 turns the memory off.
         */
        @WithDefault("100000") @Min(0) @Max(10000000) int maxEntries();

        /**
         * Sources whose last six hours of minutes (frames, scores, threshold, anomalies) each replica keeps for the
         * console's charts (and whose drift status): beyond them, a new source takes the place of the one that reported
         * longest ago once that one has reported nothing for ten minutes, so that a flood of new keys cannot push out
         * the sources that are reporting. A source costs up to about 60 KB of heap.
         */
        @WithDefault("2000") @Min(1) @Max(1000000) int maxHistorySources();

        /** How long an incident not seen since is remembered (the memory topic's retention; replicas forget it too). */
        @WithDefault("30d") Duration maxAge();

        /**
         * A new anomaly joins its source's latest incident when its frame was captured at most this long after (or before)
         * the incident's latest frame (the frames' record timestamps; the detector's clock for a frame without one) and
         * they are at least {@code merge-similarity} alike, or the source is in a fault episode (then however alike); 0
         * gives every anomaly an incident of its own.
         */
        @WithDefault("10m") Duration mergeWindow();

        /**
         * How alike a new anomaly must be to its source's latest incident to join it, by either measure: the cosine of its
         * signature and the incident's latest one (where both have one), or the cosine of its top channels' shares of the
         * error and the incident's latest ones, or how much of the smaller of their image regions lies in the other
         * (where both have one; {@code detection.IncidentPolicy}).
         */
        @WithDefault("0.8") @DecimalMin("0") @DecimalMax("1") double mergeSimilarity();

        /** Past anomalies most like a new one that its event lists ({@code similar}); 0 lists none. */
        @WithDefault("5") @Min(0) @Max(100) int similarK();

        /**
         * A new event is {@code recognisedAs} a label when its past neighbours at least this similar (cosine) that
         * operators confirmed all carry that label.
         */
        @WithDefault("0.9") @DecimalMin("0") @DecimalMax("1") double recogniseSimilarity();

        /**
         * A new event is marked {@code suppressed} when at least two of its source's past anomalies at least this
         * similar exist and operators marked all of them false alarms (it is still published; alert rules may drop it).
         * 0 turns suppression off.
         */
        @WithDefault("0") @DecimalMin("0") @DecimalMax("1") double suppressSimilarity();
    }

    interface Scorer {
        /**
         * Largest record the scorer writes, in bytes, framing included: a dead letter that would be larger (the copy
         * of a large frame plus its headers) is truncated to fit and marked ({@code frameguard.dlq.truncated}). Keep
         * it at or below the broker's {@code message.max.bytes} and the dead-letter topic's {@code max.message.bytes}
         * (both 1,048,588 by default): a record the broker refuses would fail its whole transaction again and again.
         */
        @WithDefault("1048000") @Min(65536) @Max(100000000) int maxRecordBytes();

        /**
         * Failed attempts of the same frames, for a reason retrying cannot fix, before they are scored one per
         * transaction so that the frame that fails alone is dead-lettered ({@code processing-failed}); also how many
         * failed transactions in a row make readiness report a scorer that makes no progress.
         */
        @WithDefault("3") @Min(1) @Max(1000) int maxAttempts();

        /** Most frames per poll, per batch and per predictor call. */
        @WithDefault("256") @Min(1) @Max(65536) int maxBatch();

        /**
         * Most bytes of frames (keys, values, headers as stored) per batch: bounds the memory a batch holds, with
         * their decoded values, whatever the frames' size. A frame larger than this is a batch of its own.
         */
        @WithDefault("33554432") @Min(1048576) @Max(1073741824) long maxBatchBytes();

        /**
         * Frames per predictor call; 0 (the default) means max-batch. Smaller values only make scoring slower: 1
         * reproduces a per-record pipeline (one predict per frame, transactions still per batch) for benchmarks.
         */
        @WithDefault("0") @Min(0) @Max(65536) int predictBatch();

        /** Longest wait for more frames once a batch has some: bounds the latency batching adds. */
        @WithDefault("5ms") Duration linger();

        /**
         * Longest a transaction stays open behind a backlog: while batches come full, one transaction holds several,
         * committed once this has passed (or at the first batch that is not full, or when no frame waits). A scorer
         * that keeps up commits every batch; 0 always does. Larger values save commit round trips behind a backlog,
         * where readers of the scores wait up to this long. At most half of kafka.transaction.timeout.ms.
         */
        @WithDefault("100ms") Duration commitInterval();

        /**
         * Where the model runs: auto (a GPU when TensorFlow's CUDA build is in use and sees one, else the CPU), cpu,
         * or gpu (the start fails without one).
         */
        @WithDefault("auto") @jakarta.validation.constraints.Pattern(regexp = "(?i)auto|cpu|gpu") String device();

        /** Scoring threads, each with its own consumer, transactional producer and predictor. */
        @WithDefault("1") @Min(1) @Max(64) int workers();

        /**
         * On the CPU, how many threads TensorFlow splits one operation of a predictor call over; every call runs on the
         * worker's own thread (1: no split, so the scorer's model work grows with {@code workers}, one per core it should
         * use). 0: TensorFlow's defaults (a pool of one thread per core that every call is handed to): more CPU per
         * frame, and a single worker's call spread over more cores. Ignored on a GPU.
         */
        @WithDefault("1") @Min(0) @Max(1024) int inferenceThreads();

        /**
         * Threads each worker decodes a batch's frames on (its own thread and helpers; slices of at least 32
         * frames). Decoding is most of a worker's CPU for JSON and encoded image frames, which a second thread
         * splits without a second model session; float32 frames are a copy, so for them it changes little
         * (docs/benchmarks-history.md). 1 decodes on the worker's thread alone.
         */
        @WithDefault("2") @Min(1) @Max(64) int decodeThreads();

        /**
         * Frames whose score ranks at least this among the model's validation scores are candidate anomalies: the model
         * computes their signatures, and their score records carry them with a small picture of the frame, which the
         * anomaly memory keeps for the events among them. The detector's threshold starts at the card's (its rank is 1
         * minus the target FPR, 0.99 by default) and follows each source's own scores; an anomaly ranking lower (a
         * source whose threshold sits that low) is remembered without a signature or heatmap. Lower it to cover such
         * sources, at the price of more model work and larger score records for more frames.
         */
        @WithDefault("0.98") @DecimalMin("0") @DecimalMax("1") double candidateRank();

        /**
         * Whether every frame's score record carries its explanation (a sensor frame's top channels, an image's region of
         * largest error). By default only frames scoring at least the detector's lowest threshold ({@code
         * frameguard.detector.floor-factor} times the card's threshold) do, the only ones that can become anomaly events:
         * finding a frame's top channels reads its error map a second time, and they make most of a normal frame's score
         * record. Set it where a consumer of the scores topic reads every frame's top channels.
         */
        @WithDefault("false") boolean explainEveryFrame();

        /** Consumer group of the scorer (default: {@code INSTANCE-scorer}, from {@code frameguard.instance}). */
        @WithDefault("${frameguard.instance:frameguard}-scorer") @NotBlank String groupId();

        /**
         * Transactional ids are PREFIX-HOSTNAME-WORKER: stable across restarts of the same pod or host (default prefix:
         * {@code INSTANCE-scorer}).
         */
        @WithDefault("${frameguard.instance:frameguard}-scorer") @NotBlank String transactionalIdPrefix();

        /** Pause after a failed batch before it is retried from the last committed offsets. */
        @WithDefault("1s") Duration retryBackoff();
    }

    interface Detector {
        /**
         * No longer used: the rolling threshold scales the model card's threshold (which the card's target FPR sets) by
         * the level of the source's normal scores instead of tracking a quantile of all its scores. Still accepted, so
         * that configurations that set it keep starting; a warning says it is ignored.
         */
        @Deprecated
        java.util.Optional<Double> targetRate();

        /**
         * How fast the rolling threshold follows the level of the source's normal scores: the running median moves by
         * half this, in log space, per frame judged normal; 0 keeps the model card's threshold. At most 0.1: faster, the
         * level's own noise holds fault episodes on normal frames (docs/BENCHMARKS.md, the rolling threshold).
         */
        @WithDefault("0.02") @DecimalMin("0") @DecimalMax("0.1") double adaptRate();

        /** The threshold never falls below this times the model card's threshold. */
        @WithDefault("0.5") @DecimalMin("0.01") @DecimalMax("1") double floorFactor();

        /** The threshold never rises above this times the model card's threshold. */
        @WithDefault("2.0") @DecimalMin("1") @DecimalMax("100") double ceilingFactor();

        /** k of k-of-n: a frame is an anomaly when it and at least k-1 of the n-1 frames before it exceed. */
        @WithDefault("1") @Min(1) @Max(64) int k();

        /** n of k-of-n (the window, at most 64 frames). */
        @WithDefault("1") @Min(1) @Max(64) int n();

        /**
         * A source that sends nothing for this long (wall-clock time) is forgotten: its threshold, window, drift state
         * and open incident are removed (tombstones on the changelogs), and its metrics series; should it come back it
         * starts from the model card's threshold and a new incident. 0 keeps every source forever.
         */
        @WithDefault("7d") Duration idleSourceExpiry();
    }

    interface Registry {
        /** Follow the Kafka model registry: serve the version activated there, swapped in between batches. */
        @WithDefault("false") boolean enabled();

        /** The registry's compacted topic (see `frameguard models`). */
        @WithDefault("frameguard.models") @jakarta.validation.constraints.Pattern(regexp = TOPIC_NAME, message = TOPIC_NAME_MESSAGE) String topic();

        /** The model name to follow; default: the name on the card of the model in frameguard.model.dir. */
        java.util.Optional<String> modelName();

        /** Local directory activated versions, and the copy of frameguard.model.dir, are unpacked into (verified before use). */
        @WithDefault("${java.io.tmpdir}/frameguard-models") @NotBlank String cacheDir();

        /**
         * PEM file of the trainer's Ed25519 public key (FRAMEGUARD_REGISTRY_VERIFY_KEY; mount it from a secret): with
         * it, a model is loaded only when it carries the trainer's signature, from the registry or from
         * frameguard.model.dir. See `frameguard models keygen`.
         */
        java.util.Optional<String> verifyKey();
    }

    interface Api {
        /**
         * Bearer token of the API's writes (verdicts, activation, rollback; it reads too): without it nothing can be
         * written. With neither token set, every route answers 403. At least 16 characters; set it from a secret
         * (FRAMEGUARD_API_ADMIN_TOKEN), never in a file in the image.
         */
        java.util.Optional<String> adminToken();

        /**
         * Bearer token for reading the API (heatmaps, the model listing): with it or the admin token set, every read
         * must present one of them. At least 16 characters; from a secret (FRAMEGUARD_API_READ_TOKEN).
         */
        java.util.Optional<String> readToken();

        /**
         * How often the live feed ({@code /api/anomalies/feed}) sends a comment line while no incident arrives, so that
         * proxies and load balancers (nginx closes an idle response after 60 s by default) keep a quiet feed open.
         */
        @WithDefault("15s") java.time.Duration feedHeartbeat();
    }

    interface Metrics {
        /** Sources that get their own metric series; the rest share source="_other" (bounds cardinality). */
        @WithDefault("100") @Min(0) @Max(10000) int maxSources();
    }
}
