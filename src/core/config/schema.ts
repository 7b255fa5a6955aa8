/**
 * @module The configuration schema: every key dfp understands, its type, allowed values and default.
 * Presets in conf/ and key=value overrides are validated against it, so a typo is an error that names
 * the key instead of a setting silently ignored. Later capabilities add their section here.
 */
import { z } from 'zod';

const s3 = z
  .object({
    endpoint: z.string().optional().describe('S3 endpoint URL; empty for AWS itself (MinIO, lakeFS gateway, moto: http://host:port)'),
    bucket: z.string().default('dfp'),
    prefix: z.string().default('lake'),
    region: z.string().default('us-east-1'),
    access_key_id: z.string().optional(),
    secret_access_key: z.string().optional(),
    force_path_style: z.boolean().default(true),
  })
  .strict();

export const configSchema = z
  .object({
    workspace: z.string().min(1, 'must not be empty').default('.dfp').describe('directory that holds everything dfp writes (DFP_HOME overrides)'),
    log: z
      .object({ level: z.enum(['silent', 'error', 'warn', 'info', 'debug', 'trace']).default('warn') })
      .strict()
      .prefault({}),
    data: z
      .object({
        name: z.string().default('kronodroid'),
        source: z.string().default('kronodroid:real').describe('default ingest source: a path, URL, kaggle:owner/dataset or kronodroid:real|emulator'),
        table: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a lake table name (letters, digits, _)')
          .default('kronodroid_real')
          .describe("lake table of raw apps that dfp transform reads as source('kronodroid', 'raw'), and so what features and train see: kronodroid_real (real-device capture) or kronodroid_emulator (emulator capture; data=kronodroid_emulator sets it). dfp ingest still writes by layout"),
        cache_dir: z.string().default('cache/downloads').describe('download cache, relative to the workspace'),
        download_retries: z.number().int().min(0).max(20).default(4),
        kronodroid: z
          .object({
            real: z.array(z.string()).default([
              'https://github.com/aleguma/kronodroid/raw/main/real_device/real_legitimate_v1.zip',
              'https://github.com/aleguma/kronodroid/raw/main/real_device/real_malware_v1.zip',
            ]),
            emulator: z.array(z.string()).default([
              'https://github.com/aleguma/kronodroid/raw/main/emulator/emu_legitimate_v1.zip',
              'https://github.com/aleguma/kronodroid/raw/main/emulator/emu_malware_v1.zip',
            ]),
          })
          .strict()
          .prefault({}),
        kaggle_api: z.string().default('https://www.kaggle.com/api/v1'),
      })
      .strict()
      .prefault({}),
    lake: z
      .object({
        backend: z.enum(['local', 's3']).default('local'),
        path: z.string().default('lake').describe('local backend: repository directory, relative to the workspace'),
        default_branch: z.string().default('main'),
        author: z.string().optional().describe('commit author; defaults to $USER'),
        s3: s3.prefault({}),
      })
      .strict()
      .prefault({}),
    engine: z
      .object({
        name: z.enum(['duckdb']).default('duckdb'),
        threads: z.number().int().min(1).max(256).optional(),
        memory_limit: z.string().optional().describe('DuckDB memory_limit, e.g. 4GB'),
      })
      .strict()
      .prefault({}),
    store: z
      .object({
        online: z.enum(['embedded', 'redis']).default('embedded'),
        redis_url: z.string().default('redis://127.0.0.1:6379'),
        redis_key_prefix: z.string().default('dfp').describe('prefix of every online-store key in Redis: <prefix>:<view>:<sha256>'),
        embedded_path: z.string().default('features/online.sqlite').describe('embedded online store file, relative to the workspace'),
        registry: z.string().optional().describe('feature registry file; default feature_repo/feature_store.yaml'),
      })
      .strict()
      .prefault({}),
    model: z
      .object({
        name: z.enum(['autoencoder', 'classifier']).default('autoencoder'),
        target_fpr: z.number().gt(0).lt(1).default(0.01).describe('false-positive rate on held-out benign apps the threshold is calibrated for'),
        exclude_features: z.array(z.string()).default([]).describe('feature columns zeroed inside the model (the input stays the full feature vector)'),
        clip: z.number().positive().default(10).describe('standardised features are clipped to [-clip, clip]'),
        autoencoder: z
          .object({
            hidden: z.array(z.number().int().positive()).default([128]).describe('encoder widths (the decoder mirrors them)'),
            latent: z.number().int().positive().default(32),
            activation: z.enum(['relu', 'tanh', 'sigmoid']).default('relu'),
            dropout: z.number().min(0).lt(1).default(0),
            swap_noise: z.number().min(0).lt(1).default(0.1).describe('share of input cells swapped with the same column of another row'),
            weight_count: z.number().min(0).default(1).describe('group weight of the count features (log1p, MSE)'),
            weight_binary: z.number().min(0).default(1).describe('group weight of the permission flags (BCE)'),
            weight_numeric: z.number().min(0).default(1).describe('group weight of the other numeric aggregates (MSE)'),
            benign_only: z.boolean().default(true).describe('one-class: train on benign apps only'),
            top_k: z.number().int().min(1).max(50).default(5).describe('features listed in each explanation'),
          })
          .strict()
          .prefault({}),
        classifier: z
          .object({
            kind: z
              .enum(['auto', 'mlp', 'trees', 'blend'])
              .default('mlp')
              .describe('mlp: the neural detector; trees: gradient-boosted trees (model.classifier.trees); blend: the mean of both calibrated scores; auto: whichever wins the time-forward protocol on the training months (model.classifier.selection)'),
            trees: z
              .object({
                iterations: z.number().int().min(1).max(10000).default(300).describe('boosting rounds (trees)'),
                learning_rate: z.number().gt(0).max(1).default(0.05).describe('shrinkage of each tree'),
                max_leaves: z.number().int().min(2).max(4096).default(31).describe('leaves per tree (leaf-wise growth)'),
                max_depth: z.number().int().min(0).default(0).describe('0 = unlimited'),
                min_data_in_leaf: z.number().int().min(1).default(20).describe('fewest training rows in a leaf'),
                min_child_weight: z.number().min(0).default(0.001).describe('least Hessian sum in a leaf'),
                lambda_l2: z.number().min(0).default(0).describe('L2 penalty on leaf values'),
                min_split_gain: z.number().min(0).default(0).describe('least loss reduction a split must bring'),
                subsample: z.number().gt(0).max(1).default(1).describe('share of rows each round sees'),
                colsample: z.number().gt(0).max(1).default(1).describe('share of features each tree may split on'),
                max_bins: z.number().int().min(2).max(255).default(255).describe('quantile bins per feature'),
                early_stopping_rounds: z.number().int().min(0).default(0).describe('stop after this many rounds without a lower held-out loss (0 = run every round)'),
              })
              .strict()
              .prefault({}),
            selection: z
              .object({
                candidates: z
                  .array(z.enum(['mlp', 'trees', 'blend']))
                  .min(1)
                  .default(['mlp', 'trees', 'blend'])
                  .describe('kind=auto: the detector kinds the time-forward protocol compares'),
                origins: z.number().int().min(1).max(60).default(6).describe('kind=auto: the latest training months used as rolling origins (each fits on the months before it)'),
                min_malware: z.number().int().min(2).default(10).describe('an origin needs this many malware apps in the months before it'),
                metric: z.enum(['f1', 'roc_auc', 'pr_auc']).default('f1').describe('kind=auto: what the protocol ranks by (pooled over the origin months, each at its own threshold)'),
              })
              .strict()
              .prefault({}),
            hidden: z.array(z.number().int().positive()).default([64, 32]),
            activation: z.enum(['relu', 'tanh', 'sigmoid']).default('relu'),
            dropout: z.number().min(0).lt(1).default(0.2),
            class_weight: z.enum(['balanced', 'none']).default('balanced').describe('balanced: positives and negatives weigh the same in the loss'),
            syscall_share: z.boolean().default(false).describe("in-graph features: each system call's share of the app's total, count / (nr_syscalls + 1), standardised"),
            syscall_share_scale: z.union([z.literal('standard'), z.number().positive()]).default('standard').describe("'standard': shares z-scored on the training rows; a number k: the raw share times k"),
            syscall_used: z.boolean().default(false).describe('in-graph features: a 0/1 flag per system call, set when it was called at least once'),
            ensemble: z.number().int().min(1).max(16).default(1).describe('member MLPs trained with different seeds; the model averages their logits'),
            weight_decay: z.number().min(0).default(0).describe('L2 penalty weight_decay/2 · Σ‖W‖² on the weights (not the biases)'),
            label_smoothing: z.number().min(0).lt(0.5).default(0).describe('training targets become 1 - s/2 and s/2'),
            calibration: z
              .enum(['holdout', 'crossfit'])
              .default('holdout')
              .describe('holdout: train on the training part, stop early and calibrate on the validation part; crossfit: K-fold over both, the model averages the K fold members and calibrates on out-of-fold scores'),
            folds: z.number().int().min(2).max(20).default(5).describe('calibration=crossfit: number of stratified folds (= members)'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    retrain: z
      .object({
        when: z.enum(['always', 'drift', 'never']).default('drift').describe('when new labelled data arrives (dfp run: a data commit other than the production model\'s; a replay: each month): always fit a challenger, only when the new apps drifted from the production model\'s training data, or never (only the first model)'),
        window: z.number().int().min(0).default(0).describe('months a challenger trains on: the latest ones before its test months (0 = all of them)'),
        metric: z.enum(['f1', 'roc_auc', 'pr_auc']).default('roc_auc').describe('what the challenger must beat the champion on, on the newest labelled months neither trained on (dfp run: the test months; --metric overrides)'),
        margin: z.number().min(0).default(0).describe('how much better the challenger must be to be promoted'),
        min_malware: z.number().int().min(1).default(10).describe('fewest malware (and benign) apps the window needs before a challenger is fitted'),
        kind: z.enum(['mlp', 'trees', 'blend']).default('trees').describe('the detector kind a replay fits when model.classifier.kind=auto (a time-forward selection every month would cost minutes per month)'),
      })
      .strict()
      .prefault({}),
    train: z
      .object({
        table: z.string().default('training_apps').describe('lake table dfp train reads'),
        split: z.enum(['time', 'stratified']).default('time').describe('time: test on the latest months; stratified: random test rows per class'),
        test_from: z.string().regex(/^\d{4}-\d{2}$/).optional().describe('time split: first test month (YYYY-MM); default the last test_months months'),
        test_months: z.number().int().min(1).default(3),
        test_fraction: z.number().gt(0).lt(1).default(0.3).describe('stratified split: share of rows held out for testing'),
        validation_fraction: z.number().gt(0).lt(1).default(0.25).describe('share of the training period held out (stratified) for early stopping and calibration'),
        epochs: z.number().int().min(1).default(200),
        batch_size: z.number().int().min(1).default(64),
        lr: z.number().positive().default(0.001),
        patience: z.number().int().min(1).default(20).describe('epochs without validation improvement before stopping'),
        min_delta: z.number().min(0).default(0.0001),
        seed: z.number().int().default(42),
        threads: z.number().int().min(1).max(64).default(1).describe('onnxruntime intra-op threads'),
        workers: z.number().int().min(0).max(64).default(0).describe('worker threads for independent fits (time-forward origins); 0 = one per core, 1 = none'),
        experiment: z.string().default('dfp').describe('tracking experiment runs are recorded under'),
      })
      .strict()
      .prefault({}),
    tracking: z
      .object({
        uri: z.string().default('').describe('empty: embedded store in the workspace; http(s)://host:port: an MLflow tracking server (MLFLOW_TRACKING_URI also selects it)'),
        path: z.string().default('tracking').describe('embedded store directory (SQLite file + artifacts; also the MLflow outbox), relative to the workspace'),
        timeout_ms: z.number().int().min(100).max(600000).default(10000).describe('MLflow request timeout'),
      })
      .strict()
      .prefault({}),
    serve: z
      .object({
        host: z.string().default('127.0.0.1').describe('dfp serve listen address (loopback unless you mean to expose it)'),
        port: z.number().int().min(0).max(65535).default(8080),
        model: z.string().default('kronodroid_detector').describe('registered model whose verdict /v1/score answers with (the primary: /readyz waits for it); dfp run registers kronodroid_detector and kronodroid_autoencoder'),
        fingerprint_model: z
          .string()
          .default('kronodroid_autoencoder')
          .describe('registered model served beside serve.model: its anomaly score and top features come with each answer as `fingerprint`; none = no second model'),
        static_model: z
          .string()
          .default('kronodroid_detector_static')
          .describe('registered static-only detector (trained without system calls) that scores an APK without a trace: POST /v1/score/apk and dfp score --apk; none = no APK scoring without a trace'),
        alias: z.string().default('production').describe('registry alias served; the server follows it when it moves'),
        model_dir: z.string().optional().describe('serve a model directory (model.onnx + preprocessing.json) instead of the registry'),
        poll_seconds: z.number().min(0).default(30).describe('how often the alias is re-resolved (0 = only on POST /v1/admin/reload)'),
        api_key: z.coerce.string().optional().describe('key for /v1/admin/*; unset = admin endpoints disabled (DFP_SERVE__API_KEY sets it)'),
        body_limit_bytes: z.number().int().min(1024).default(1048576),
        apk_limit_bytes: z.number().int().min(1024).default(134217728).describe('largest APK POST /v1/score/apk accepts (413 above it; the upload is refused as soon as it passes the limit)'),
        max_batch_items: z.number().int().min(1).max(100000).default(1000).describe('most apps one /v1/score/batch request may carry'),
        micro_batch_rows: z.number().int().min(1).max(4096).default(64).describe('most rows per onnxruntime call'),
        micro_batch_wait_ms: z.number().min(0).max(100).default(1).describe('longest a row waits for others before its batch runs'),
        threads: z.number().int().min(1).max(64).default(1).describe('onnxruntime intra-op threads'),
        feature_service: z.string().optional().describe('feature service {"sha256"} requests read; default every feature view'),
      })
      .strict()
      .prefault({}),
    drift: z
      .object({
        psi_moderate: z.number().positive().default(0.1).describe('PSI of a moderate shift: a feature (or a model\'s scores) with at least this PSI drifts when its test is significant too'),
        psi_major: z.number().positive().default(0.25).describe('PSI of a major shift: a feature (or a model\'s scores) with at least this PSI drifts on it alone'),
        alpha: z.number().gt(0).lt(1).default(0.05).describe('false-discovery rate of the per-feature tests (Benjamini-Hochberg over all features)'),
        bins: z.number().int().min(2).max(100).default(10).describe('quantile bins of the reference per feature and per score'),
        window: z.number().int().min(20).max(1000000).default(1000).describe('dfp serve: the most recent scored apps (a count, not a time span) that GET /v1/drift compares with the reference'),
      })
      .strict()
      .refine((d) => d.psi_moderate <= d.psi_major, { message: 'drift.psi_moderate must not be above drift.psi_major', path: ['psi_moderate'] })
      .prefault({}),
    orchestration: z
      .object({
        name: z.enum(['local', 'kubeflow']).default('local'),
      })
      .passthrough()
      .prefault({}),
  })
  .strict();

export type DfpConfig = z.infer<typeof configSchema>;

/**
 * The registered model served beside serve.model, if any: none when it is `none`, the primary itself, or when a
 * model directory is served (one model). The one reading of the key, for the API and the dashboard alike.
 */
export function servedFingerprintModel(serve: DfpConfig['serve']): string | undefined {
  const name = serve.fingerprint_model;
  return serve.model_dir || name === 'none' || name === serve.model ? undefined : name;
}

/** Config groups that `group=preset` selects (Hydra style); each has a folder of YAML presets in conf/. */
export const CONFIG_GROUPS = ['data', 'model', 'engine', 'store', 'orchestration'] as const;
export type ConfigGroup = (typeof CONFIG_GROUPS)[number];
