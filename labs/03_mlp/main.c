/**
 * @file main.c
 * @brief Lab 03's driver: `lab03 [train|lrsearch|sample|eval] [flags]`.
 *
 * What it is: the command line, logs and checkpoints around the functions you
 * write in mlp.c. You do not need to edit it. What it is not: the model (see
 * mlp.h) or any maths.
 *
 *   train     (default) the lecture's run: 200,000 steps, lr 0.1 then 0.01;
 *             logs <out>/loss.tsv, prints train and dev loss, saves
 *             <out>/model.ckpt (and <out>/embedding.tsv when --emb 2)
 *   lrsearch  1,000 steps with lr = 10^e, e from -3 to 0: <out>/lrsearch.tsv
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
#include "mlp.h"    // the lab
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

static void load_splits(const KitArgs *a, int T, Splits *s)
{
    Words all = {0}, wtr = {0}, wdev = {0}, wte = {0};
    if (words_load(&all, a->data) != 0)
        exit(1);
    s->n_words = all.n;
    if (words_split(&all, SPLIT_SEED, &wtr, &wdev, &wte) != 0) {   // too few names: said the minimum
        words_free(&all);
        exit(1);
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
    if (s->tr.n == 0) {
        fprintf(stderr, "%s: the training split is empty. HINT: use a file with at least 5 names.\n", a->data);
        free_splits(s);
        exit(1);
    }
}

/* A minibatch is drawn from the training examples: one larger than the split
 * would only repeat examples, so it is a usage error (exit 2), named here once
 * the split's size is known. */
static void check_batch(const KitArgs *a, Splits *s)
{
    if (a->batch <= s->tr.n)
        return;
    fflush(stdout);
    fprintf(stderr, "lab03: --batch %d: larger than the %d training examples of %s. HINT: pass --batch %d or less; "
            "the lecture uses --batch %d\n", a->batch, s->tr.n, a->data, s->tr.n, MLP_BATCH);
    free_splits(s);
    exit(2);
}

/**
 * Before training, run steps lab03.2-lab03.4 once on the first training
 * examples: on an unfinished lab this reaches the lowest TODO first, and on a
 * finished one it shows that the two losses agree.
 */
static void check_losses(Mlp *m, const Dataset *tr, int B, bool quiet)
{
    int n = tr->n < B ? tr->n : B;
    bool was = graph_set_no_grad(m->g, true);
    Tensor *logits = mlp_forward(m, tr->X, n);   // [n, V]  lab03.2, lab03.3
    float by_hand = tensor_item(loss_by_hand(logits, tr->Y));  // lab03.4
    float fused = tensor_item(mlp_loss(logits, tr->Y));        // lab03.4
    graph_step_reset(m->g);
    graph_set_no_grad(m->g, was);
    if (!quiet)
        printf("loss on the first %d training examples: by hand %.6f, fused %.6f\n", n, by_hand, fused);
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
    load_splits(a, T, &s);
    check_batch(a, &s);
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
        float lr = mlp_lr_at(i, a->steps, (float)a->lr);                  // lab03.5
        float loss = mlp_train_step(&m, &s.tr, &r, a->batch, lr, NULL);  // lab03.5
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

    double train_loss = mlp_split_loss(&m, &s.tr);  // lab03.7
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
        printf("next: names from this checkpoint: make lab03 ARGS=\"sample\" (the solution's: make lab03-solution ARGS=\"sample\"), or make plots\n");
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
        if (json_end(stdout) != 0) rc = 1;
    }
done:
    graph_free(&g);
    free_splits(&s);
    return rc;
}

static int cmd_lrsearch(const KitArgs *a, int T, int emb, int hidden)
{
    // --steps keeps its training default unless given; the sweep's own default is 1,000.
    int n = a->steps == MLP_STEPS ? LRSEARCH_STEPS : (int)a->steps;
    Splits s;
    load_splits(a, T, &s);
    check_batch(a, &s);
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, a->seed);
    Mlp m;
    mlp_init(&m, &g, T, emb, hidden, &r);
    check_losses(&m, &s.tr, a->batch, a->quiet);

    float *lre = malloc((size_t)n * sizeof *lre);     // [n] exponents
    float *losses = malloc((size_t)n * sizeof *losses);
    KIT_CHECK(lre && losses, "out of memory for %d steps. HINT: pass a smaller --steps.", n);
    linspace_f32(lre, -3.0f, 0.0f, n);   // lre = torch.linspace(-3, 0, n)
    lr_search(&m, &s.tr, &r, a->batch, lre, n, losses);  // lab03.6

    TsvLog log;
    if (tsv_open(&log, a->out, "lrsearch.tsv", "step lr_exponent lr loss") != 0) {
        free(lre);  // tsv_open said why
        free(losses);
        graph_free(&g);
        free_splits(&s);
        return 1;
    }
    for (int i = 0; i < n; i++)
        tsv_row(&log, "%d\t%.7f\t%g\t%.6f", i, lre[i], powf(10.0f, lre[i]), losses[i]);
    int rc = tsv_close(&log) != 0 ? 1 : 0;   // tsv_close said why

    // The raw curve is noisy (each point is one minibatch), so find its lowest
    // point on a moving average; losses that blew up (nan) are skipped.
    int w = n < LRSEARCH_SMOOTH ? n : LRSEARCH_SMOOTH, best = -1;
    double best_avg = INFINITY;
    for (int i = 0; i + w <= n; i++) {
        double sum = 0;
        for (int k = 0; k < w; k++)
            sum += losses[i + k];
        if (isfinite(sum) && sum / w < best_avg) {
            best_avg = sum / w;
            best = i + w / 2;
        }
    }
    if (!a->quiet) {
        printf("wrote %s/lrsearch.tsv (%d steps)\n", a->out, n);
        if (best >= 0)
            printf("lowest %d-step average loss %.4f around exponent %.2f (lr %.3g)\n", w, best_avg,
                   lre[best], pow(10.0, lre[best]));
        printf("next: make plots, and look where the curve bottoms out before it blows up\n");
    }
    if (a->json) {
        json_begin(stdout);
        json_num(stdout, "steps", n);
        json_num(stdout, "best_exponent", best >= 0 ? lre[best] : NAN);
        json_num(stdout, "best_smoothed_loss", best_avg);
        if (json_end(stdout) != 0) rc = 1;
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
    for (int i = 0; i < count; i++) {
        mlp_sample_name(&m, &r, name, (int)sizeof name);  // lab03.7
        printf("%s\n", name);
    }
    graph_free(&g);
    return 0;
}

static int cmd_eval(const KitArgs *a, int T, int emb, int hidden)
{
    Splits s;
    load_splits(a, T, &s);
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
    double train_loss = mlp_split_loss(&m, &s.tr);  // lab03.7
    double dev_loss = mlp_split_loss(&m, &s.dev);
    if (!a->quiet)
        printf("train loss %.4f\ndev loss   %.4f\n", train_loss, dev_loss);
    if (a->json) {
        json_begin(stdout);
        json_num(stdout, "train_loss", train_loss);
        json_num(stdout, "dev_loss", dev_loss);
        if (json_end(stdout) != 0) {
            graph_free(&g);
            free_splits(&s);
            return 1;
        }
    }
    graph_free(&g);
    free_splits(&s);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const commands[] = {"train", "lrsearch", "sample", "eval", NULL};
    const KitProgram prog = {
        "lab03", "the MLP of Bengio et al. 2003 (makemore part 2)", commands,
        "examples:\n"
        "  lab03                      train the lecture's model (200,000 steps)\n"
        "  lab03 lrsearch             sweep the learning rate from 10^-3 to 1\n"
        "  lab03 sample -n 20         names from the saved model\n"
        "  lab03 train --emb 2 --out build/out/lab03/emb2   the 2-D embedding picture\n",
        NULL};
    KitArgs a;
    kit_args_defaults(&a, "lab03");
    a.steps = MLP_STEPS;
    a.batch = MLP_BATCH;
    a.lr = MLP_LR;
    int T = MLP_BLOCK, emb = MLP_EMB, hidden = MLP_HIDDEN, count = 20;
    const KitOpt opts[] = {
        {"--block", KIT_OPT_INT, &T, 1, 16, "block size T: characters of context", NULL},
        {"--emb", KIT_OPT_INT, &emb, 1, 256, "embedding size C (2 for the picture)", NULL},
        {"--hidden", KIT_OPT_INT, &hidden, 1, 4096, "hidden units H", NULL},
        {"-n", KIT_OPT_INT, &count, 1, 100000, "sample: how many names", "sample"},
    };
    kit_parse_args(argc, argv, &prog, &a, opts, (int)(sizeof opts / sizeof opts[0]));

    if (strcmp(a.command, "lrsearch") == 0)
        return cmd_lrsearch(&a, T, emb, hidden);
    if (strcmp(a.command, "sample") == 0)
        return cmd_sample(&a, T, emb, hidden, count);
    if (strcmp(a.command, "eval") == 0)
        return cmd_eval(&a, T, emb, hidden);
    return cmd_train(&a, T, emb, hidden);
}
