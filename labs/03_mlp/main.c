/**
 * @file main.c
 * @brief Lab 03's driver: `lab03 [train|overfit|lrsearch|sample|eval] [flags]`.
 *
 * What it is: the command line, logs and checkpoints around the functions you
 * write in mlp.c. You do not need to edit it. What it is not: the model (see
 * given.h) or any maths.
 *
 *   train     (default) the lecture's run: 200,000 steps, lr 0.1 then 0.01;
 *             logs <out>/loss.tsv, prints train and dev loss, saves
 *             <out>/model.ckpt (and <out>/embedding.tsv when --emb 2)
 *   overfit   the lecture's first loop: the small net (embedding 2, hidden 100)
 *             on the 32 examples of the first 5 names, full batch, 1,000 steps
 *   lrsearch  1,000 steps of the small net with lr = 10^e, e from -3 to 0:
 *             <out>/lrsearch.tsv and <out>/lrsearch_best.gp (the minimum found)
 *   sample    -n 20 names from <out>/model.ckpt, seeded as the lecture (seed + 10)
 *   eval      train and dev loss of <out>/model.ckpt
 *
 * The steps run in the lecture's order (dataset, forward, loss, training,
 * evaluation), so on an unfinished lab the first TODO you hit is the lowest.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"   // words_load, words_split, dataset_free
#include "kit.h"
#include "mlp.h"    // the lab (and given.h: the model)
#include "args.h"   // kit_parse_args
#include "checkpoint.h" // ckpt_load
#include "output.h" // progress, tsv, json
#include "train.h"  // kit_loss_ok, train_save

/** The seed of the lecture's split: `random.seed(42); random.shuffle(words)`. */
#define SPLIT_SEED 42UL
/** Steps of the learning-rate sweep (the lecture's `linspace(-3, 0, 1000)`). */
#define LRSEARCH_STEPS 1000
/** Window of the moving average used to find the sweep's best exponent. */
#define LRSEARCH_SMOOTH 50
/** The lecture's first loop: the first 5 names (32 examples), 1,000 full-batch steps. */
#define OVERFIT_WORDS 5
#define OVERFIT_STEPS 1000

static const char *const PARAM_NAMES[MLP_NPARAMS] = {"C", "W1", "b1", "W2", "b2"};

/** The three splits' examples. */
typedef struct Splits {
    Dataset tr, dev, te;
    int n_words;
} Splits;

static void free_splits(Splits *s)
{
    dataset_free(&s->tr);
    dataset_free(&s->dev);
    dataset_free(&s->te);
}

/* 0, or the exit status after one line on stderr (nothing left to free). */
static int load_splits(const KitArgs *a, int T, Splits *s)
{
    Words all = {0}, wtr = {0}, wdev = {0}, wte = {0};
    *s = (Splits){0};
    if (words_load(&all, a->data) != 0)
        return 1;
    s->n_words = all.n;
    if (words_split(&all, SPLIT_SEED, &wtr, &wdev, &wte) != 0) {   // too few names: said the minimum
        words_free(&all);
        return 1;
    }
    build_dataset(&s->tr, &wtr, T);   // lab03.1
    build_dataset(&s->dev, &wdev, T);
    build_dataset(&s->te, &wte, T);
    words_free(&wtr);
    words_free(&wdev);
    words_free(&wte);
    words_free(&all);
    if (!a->quiet)
        printf("data: %s, %d words -> examples train %d, dev %d, test %d (block %d)\n",
               a->data, s->n_words, s->tr.n, s->dev.n, s->te.n, T);
    return 0;   // words_split refused a file too small for three non-empty splits
}

/* A minibatch is drawn from the training examples: one larger than the split
 * would only repeat examples, so it is a usage error (exit 2), named here once
 * the split's size is known. */
static int check_batch(const KitArgs *a, Splits *s)
{
    if (a->batch <= s->tr.n)
        return 0;
    fflush(stdout);
    fprintf(stderr, "lab03: --batch %d: larger than the %d training examples of %s. HINT: pass --batch %d or less; "
            "the lecture uses --batch %d\n", a->batch, s->tr.n, a->data, s->tr.n, MLP_BATCH);
    free_splits(s);
    return 2;
}

/**
 * Before training, run steps lab03.2-lab03.6 once on the first training
 * examples, and steps lab03.7-lab03.11 once on a throwaway copy of a tiny
 * model: on an unfinished lab this reaches the lowest TODO first (not the one
 * the training loop happens to call first), and on a finished one it shows
 * that the two losses agree.
 */
static void check_losses(Mlp *m, const Dataset *tr, int B, bool quiet)
{
    int n = tr->n < B ? tr->n : B;
    bool was = graph_set_no_grad(m->g, true);
    Tensor *logits = mlp_forward(m, tr->X, n);   // [n, V]  lab03.2-lab03.4
    float by_hand = tensor_item(loss_by_hand(logits, tr->Y));  // lab03.5
    float fused = tensor_item(mlp_loss(logits, tr->Y));        // lab03.6
    graph_step_reset(m->g);
    graph_set_no_grad(m->g, was);
    if (!quiet)
        printf("loss on the first %d training examples: by hand %.6f, fused %.6f\n", n, by_hand, fused);

    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, 1);
    Mlp tiny;
    mlp_init(&tiny, &g, tr->T, 2, 4, &r);
    Dataset first = {tr->X, tr->Y, n, tr->T};
    const float lre = -1.0f;
    float loss;
    (void)mlp_overfit(&tiny, &first, 1, 0.1f, NULL);           // lab03.7
    (void)mlp_train_step(&tiny, &first, &r, 1, 0.1f, NULL);    // lab03.8
    lr_search(&tiny, &first, &r, 1, &lre, 1, &loss);           // lab03.9
    (void)mlp_lr_at(0, 1, 0.1f);                               // lab03.10
    (void)mlp_split_loss(&tiny, &first);                       // lab03.11
    graph_free(&g);
}

/* " --emb 2 --out DIR": the flags sample and eval need to find this run's checkpoint. */
static void model_flags(const KitArgs *a, int T, int emb, int hidden, char *buf, size_t len)
{
    int n = 0;
    buf[0] = '\0';
    if (T != MLP_BLOCK)
        n += snprintf(buf + n, len - (size_t)n, " --block %d", T);
    if (emb != MLP_EMB && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " --emb %d", emb);
    if (hidden != MLP_HIDDEN && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " --hidden %d", hidden);
    if (strcmp(a->out, "build/out/lab03") != 0 && strcmp(a->out, "build/out/lab03-solution") != 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " --out %s", a->out);
}

static void ckpt_path(const KitArgs *a, char *buf, size_t len)
{
    snprintf(buf, len, "%s/model.ckpt", a->out);
}

/* 0, or -1 after one line on stderr. */
static int load_model(const KitArgs *a, Mlp *m)
{
    char path[600];
    ckpt_path(a, path, sizeof path);
    if (ckpt_load(path, m->params, PARAM_NAMES, MLP_NPARAMS) != 0)   // one line: the loader's reason and hint
        return -1;
    return 0;
}

/* ------------------------------------------------------------------------- */

static int cmd_train(const KitArgs *a, int T, int emb, int hidden)
{
    Splits s;
    int bad = load_splits(a, T, &s);
    if (bad || (bad = check_batch(a, &s)) != 0)
        return bad;
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, a->seed);
    Mlp m;
    mlp_init(&m, &g, T, emb, hidden, &r);
    if (!a->quiet)
        printf("model: block %d, embedding %d, hidden %d: %ld parameters\n", T, emb, hidden,
               params_count(m.params, MLP_NPARAMS));
    check_losses(&m, &s.tr, a->batch, a->quiet);

    // From here every way out goes through `done`, which frees what this command owns.
    int rc = 0;
    TsvLog log;
    if (tsv_open(&log, a->out, "loss.tsv", "step loss log10_loss lr") != 0) {
        rc = 1;  // tsv_open said why
        goto done;
    }
    Progress p;
    progress_start(&p, a->steps, a->quiet);
    const bool tty = kit_stdout_is_tty();
    double first_loss = 0;
    for (long i = 0; i < a->steps; i++) {
        float lr = mlp_lr_at(i, a->steps / 2, (float)a->lr);              // lab03.10
        float loss = mlp_train_step(&m, &s.tr, &r, a->batch, lr, NULL);  // lab03.8
        if (i == 0)
            first_loss = loss;
        if (!kit_loss_ok(loss, i)) {  // the log keeps steps 0..i-1; no checkpoint of a diverged model
            progress_end(&p);
            (void)!tsv_close(&log);   // exit 1 either way; a failed rename said why
            rc = 1;
            goto done;
        }
        tsv_row(&log, "%ld\t%.6f\t%.6f\t%g", i, loss, log10(loss), lr);
        // Part 3's print: every 10,000 steps, 4 decimals.
        if (!a->quiet && (i % 10000 == 0 || i == a->steps - 1))
            printf("%s%7ld/%7ld: %.4f\n", tty ? "\r\033[K" : "", i, a->steps, loss);
        progress_update(&p, i, loss, lr);
    }
    double seconds = progress_end(&p);

    double train_loss = mlp_split_loss(&m, &s.tr);  // lab03.11
    double dev_loss = mlp_split_loss(&m, &s.dev);
    char path[600];
    ckpt_path(a, path, sizeof path);
    if (train_save(path, m.params, PARAM_NAMES, MLP_NPARAMS, &log, a->steps, a->quiet) != 0) {   // model.ckpt and loss.tsv together
        rc = 1;
        goto done;
    }
    if (emb == 2 && mlp_write_embedding(&m, a->out) != 0) {
        rc = 1;
        goto done;
    }
    if (!a->quiet) {
        printf("trained %ld steps in %.1f s\n", a->steps, seconds);
        printf("train loss %.4f\ndev loss   %.4f\n", train_loss, dev_loss);
        if (a->steps > 0) printf("wrote %s/loss.tsv and %s%s\n", a->out, path, emb == 2 ? " and embedding.tsv" : "");
        // The model flags and --out this run used, so the suggested command finds its checkpoint.
        char flags[700];
        model_flags(a, T, emb, hidden, flags, sizeof flags);
        printf("next: names from this checkpoint: make lab03 ARGS=\"sample%s\" "
               "(or make lab03-solution ARGS=\"sample%s\" if the solution trained it), or make plots\n", flags, flags);
    }
    if (a->json) {
        json_begin(stdout);
        json_num(stdout, "n_train", s.tr.n);
        json_num(stdout, "n_dev", s.dev.n);
        json_num(stdout, "n_test", s.te.n);
        json_num(stdout, "params", (double)params_count(m.params, MLP_NPARAMS));
        json_num(stdout, "first_loss", first_loss);
        json_num(stdout, "train_loss", train_loss);
        json_num(stdout, "dev_loss", dev_loss);
        json_num(stdout, "steps", (double)a->steps);
        json_num(stdout, "seconds", seconds);
        (void)!json_end(stdout);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
done:
    graph_free(&g);
    free_splits(&s);
    return rc;
}

/* The first n_words names of the file, in the file's order (the lecture's words[:5]). */
static int load_first_words(const KitArgs *a, int n_words, int T, Dataset *ds)
{
    Words all = {0};
    if (words_load(&all, a->data) != 0)
        return -1;
    Words first = all;
    if (first.n > n_words)
        first.n = n_words;
    build_dataset(ds, &first, T);  // lab03.1
    if (!a->quiet) {
        printf("data: the first %d names of %s:", first.n, a->data);
        for (int i = 0; i < first.n; i++)
            printf(" %s", first.words[i]);
        printf(" -> %d examples (block %d)\n", ds->n, T);
    }
    words_free(&all);
    return 0;
}

static int cmd_overfit(const KitArgs *a, int T, int emb, int hidden)
{
    // --steps keeps its training default unless given; overfitting takes 1,000.
    int n = a->steps == MLP_STEPS ? OVERFIT_STEPS : (int)a->steps;
    Dataset ds = {0};
    if (load_first_words(a, OVERFIT_WORDS, T, &ds) != 0)
        return 1;
    if (ds.n == 0) {
        fprintf(stderr, "%s: no names to overfit. HINT: use a file with at least one name.\n", a->data);
        return 1;
    }
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, a->seed);
    Mlp m;
    mlp_init(&m, &g, T, emb, hidden, &r);
    if (!a->quiet)
        printf("model: block %d, embedding %d, hidden %d: %ld parameters for %d examples\n", T, emb, hidden,
               params_count(m.params, MLP_NPARAMS), ds.n);
    float *losses = malloc((size_t)(n > 0 ? n : 1) * sizeof *losses);  // [n]
    KIT_CHECK(losses, "out of memory for %d steps. HINT: pass a smaller --steps.", n);
    float last = mlp_overfit(&m, &ds, n, (float)a->lr, losses);  // lab03.7
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        if (!kit_loss_ok(losses[i], i))
            rc = 1;
    double floor_loss = dataset_min_loss(&ds);
    if (rc == 0 && !a->quiet) {
        for (int i = 0; i < n; i++)
            if (i % 100 == 0 || i == n - 1)
                printf("%7d/%7d: %.4f\n", i, n, losses[i]);
        if (n > 0)
            printf("loss after %d full-batch steps: %.4f; ", n, last);
        printf("the lowest any model can reach on these examples: %.4f\n", floor_loss);
        if (floor_loss > 0) {
            // The letters that follow "..." (every name's start), each once.
            bool seen[VOCAB] = {false};
            printf("why not 0: the context \"...\" starts every name, and here it is followed by");
            for (int i = 0; i < ds.n; i++) {
                bool start = true;
                for (int t = 0; t < T; t++)
                    start = start && ds.X[(size_t)i * T + t] == 0;
                if (start && !seen[ds.Y[i]]) {
                    seen[ds.Y[i]] = true;
                    printf(" %c", itos(ds.Y[i]));
                }
            }
            printf(": no model can be sure of each of them\n");
        }
        printf("next: make lab03 ARGS=\"lrsearch\", the same net on minibatches of the whole training split\n");
    }
    if (rc == 0 && a->json) {
        json_begin(stdout);
        json_num(stdout, "examples", ds.n);
        json_num(stdout, "params", (double)params_count(m.params, MLP_NPARAMS));
        json_num(stdout, "first_loss", n > 0 ? losses[0] : NAN);
        json_num(stdout, "final_loss", last);
        json_num(stdout, "min_loss", floor_loss);
        (void)!json_end(stdout);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    free(losses);
    graph_free(&g);
    dataset_free(&ds);
    return rc;
}

static int cmd_lrsearch(const KitArgs *a, int T, int emb, int hidden)
{
    // --steps keeps its training default unless given; the sweep's own default is 1,000.
    int n = a->steps == MLP_STEPS ? LRSEARCH_STEPS : (int)a->steps;
    Splits s;
    int bad = load_splits(a, T, &s);
    if (bad || (bad = check_batch(a, &s)) != 0)
        return bad;
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, a->seed);
    Mlp m;
    mlp_init(&m, &g, T, emb, hidden, &r);
    if (!a->quiet)
        printf("model: block %d, embedding %d, hidden %d: %ld parameters\n", T, emb, hidden,
               params_count(m.params, MLP_NPARAMS));
    check_losses(&m, &s.tr, a->batch, a->quiet);

    float *lre = malloc((size_t)(n > 0 ? n : 1) * sizeof *lre);     // [n] exponents
    float *losses = malloc((size_t)(n > 0 ? n : 1) * sizeof *losses);
    KIT_CHECK(lre && losses, "out of memory for %d steps. HINT: pass a smaller --steps.", n);
    linspace_f32(lre, -3.0f, 0.0f, n);   // lre = torch.linspace(-3, 0, n)
    lr_search(&m, &s.tr, &r, a->batch, lre, n, losses);  // lab03.9

    // The raw curve is noisy (each point is one minibatch), so its lowest point
    // is found on a moving average; windows with a loss that blew up are skipped.
    double best_avg;
    int w = n < LRSEARCH_SMOOTH ? n : LRSEARCH_SMOOTH;
    int best = lr_sweep_best(losses, n, w, &best_avg);
    int rc = 0;
    TsvLog log;
    if (tsv_open(&log, a->out, "lrsearch.tsv", "step lr_exponent lr loss") != 0) {
        rc = 1;  // tsv_open said why
    } else {
        for (int i = 0; i < n; i++)
            tsv_row(&log, "%d\t%.7f\t%g\t%.6f", i, lre[i], powf(10.0f, lre[i]), losses[i]);
        if (tsv_close(&log) != 0) rc = 1;   // tsv_close said why
        // What the figure's title states: gnuplot `load`s this file.
        if (tsv_open(&log, a->out, "lrsearch_best.gp", "the sweep's lowest moving average, for plots/lab03_lrsearch.gp") != 0) {
            rc = 1;
        } else {
            tsv_row(&log, "best_window = %d", w);
            if (best >= 0) {
                tsv_row(&log, "best_exponent = %.4f", lre[best]);
                tsv_row(&log, "best_loss = %.4f", best_avg);
            } else {  // no finite window: gnuplot's own NaN, not C's "nan"
                tsv_row(&log, "best_exponent = NaN");
                tsv_row(&log, "best_loss = NaN");
            }
            if (tsv_close(&log) != 0) rc = 1;
        }
    }
    if (rc == 0 && !a->quiet) {
        printf("wrote %s/lrsearch.tsv (%d steps)\n", a->out, n);
        if (best >= 0)
            printf("lowest %d-step average loss %.4f around exponent %.2f (lr %.3g)\n", w, best_avg,
                   lre[best], pow(10.0, lre[best]));
        printf("next: make plots, and look where the curve bottoms out before it blows up\n");
    }
    if (rc == 0 && a->json) {
        json_begin(stdout);
        json_num(stdout, "steps", n);
        json_num(stdout, "first_loss", n > 0 ? losses[0] : NAN);
        json_num(stdout, "best_exponent", best >= 0 ? lre[best] : NAN);
        json_num(stdout, "best_smoothed_loss", best_avg);
        (void)!json_end(stdout);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    free(lre);
    free(losses);
    graph_free(&g);
    free_splits(&s);
    return rc;
}

static int cmd_sample(const KitArgs *a, int T, int emb, int hidden, int count)
{
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, a->seed);  // only to give the parameters their shapes; the checkpoint overwrites them
    Mlp m;
    mlp_init(&m, &g, T, emb, hidden, &r);
    if (load_model(a, &m) != 0) {
        graph_free(&g);
        return 1;
    }
    // g = torch.Generator().manual_seed(2147483647 + 10), as in the lecture.
    rng_seed(&r, a->seed + 10);
    char name[WORD_MAX_LEN + 2];
    int rc = 0;
    for (int i = 0; i < count; i++) {
        int n = mlp_sample_name(&m, &r, name, (int)sizeof name);  // lab03.12
        if (n < 0) {
            fprintf(stderr, "sample: the model's probabilities are not finite. HINT: the model diverged; retrain with a smaller --lr.\n");
            rc = 1;
            break;
        }
        // A name that does not end in '.' was cut: the model did not stop within the buffer.
        printf("%s%s\n", name, n > 0 && name[n - 1] == '.' ? "" : " (cut: no '.' within the length limit)");
    }
    graph_free(&g);
    return rc;
}

static int cmd_eval(const KitArgs *a, int T, int emb, int hidden)
{
    Splits s;
    int bad = load_splits(a, T, &s);
    if (bad)
        return bad;
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, a->seed);
    Mlp m;
    mlp_init(&m, &g, T, emb, hidden, &r);
    if (load_model(a, &m) != 0) {
        graph_free(&g);
        free_splits(&s);
        return 1;
    }
    double train_loss = mlp_split_loss(&m, &s.tr);  // lab03.11
    double dev_loss = mlp_split_loss(&m, &s.dev);
    if (!a->quiet)
        printf("train loss %.4f\ndev loss   %.4f\n", train_loss, dev_loss);
    if (a->json) {
        json_begin(stdout);
        json_num(stdout, "train_loss", train_loss);
        json_num(stdout, "dev_loss", dev_loss);
        (void)!json_end(stdout);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    graph_free(&g);
    free_splits(&s);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const commands[] = {"train", "overfit", "lrsearch", "sample", "eval", NULL};
    const KitProgram prog = {
        "lab03", "the MLP of Bengio et al. 2003 (makemore part 2)", commands,
        "examples:\n"
        "  lab03                      train the lecture's model (200,000 steps)\n"
        "  lab03 overfit              the small net on the first 5 names, until it cannot do better\n"
        "  lab03 lrsearch             sweep the learning rate from 10^-3 to 1 (the small net)\n"
        "  lab03 sample -n 20         names from the saved model\n"
        "  lab03 train --emb 2 --out build/out/lab03/emb2   the 2-D embedding picture\n",
        NULL};
    KitArgs a;
    kit_args_defaults(&a, "lab03");
    a.steps = MLP_STEPS;
    a.batch = MLP_BATCH;
    a.lr = MLP_LR;
    // 0: not given; each command then takes its own default (the small net for overfit and lrsearch).
    int T = MLP_BLOCK, emb = 0, hidden = 0, count = 20;
    const KitOpt opts[] = {
        {"--block", KIT_OPT_INT, &T, 1, 16, "block size T: characters of context", NULL},
        {"--emb", KIT_OPT_INT, &emb, 1, 256, "embedding size C (default 10; overfit and lrsearch: 2)", NULL},
        {"--hidden", KIT_OPT_INT, &hidden, 1, 4096, "hidden units H (default 200; overfit and lrsearch: 100)", NULL},
        {"-n", KIT_OPT_INT, &count, 1, 100000, "sample: how many names", "sample"},
    };
    kit_parse_args(argc, argv, &prog, &a, opts, (int)(sizeof opts / sizeof opts[0]));

    const bool small = strcmp(a.command, "overfit") == 0 || strcmp(a.command, "lrsearch") == 0;
    if (emb == 0)
        emb = small ? MLP_SMALL_EMB : MLP_EMB;
    if (hidden == 0)
        hidden = small ? MLP_SMALL_HIDDEN : MLP_HIDDEN;
    int rc = strcmp(a.command, "overfit") == 0    ? cmd_overfit(&a, T, emb, hidden)
             : strcmp(a.command, "lrsearch") == 0 ? cmd_lrsearch(&a, T, emb, hidden)
             : strcmp(a.command, "sample") == 0   ? cmd_sample(&a, T, emb, hidden, count)
             : strcmp(a.command, "eval") == 0     ? cmd_eval(&a, T, emb, hidden)
                                                  : cmd_train(&a, T, emb, hidden);
    return rc != 0 ? rc : kit_output_failures() > 0 ? 1 : 0;   // an output that could not be written
}
