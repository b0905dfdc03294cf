"""Run records: where a run came from."""


def test_an_installed_arclf_records_the_commit_of_the_configs_checkout(tmp_path, monkeypatch):
    """A non-editable install has no git checkout of its own: run.json names the config's instead."""
    import subprocess

    from arclf.config import load_config
    from arclf.runs import provenance

    repo = tmp_path / "study"
    repo.mkdir()
    (repo / "c.yaml").write_text("data: {name: ant}\ntasks: [{name: section}]\n", encoding="utf-8")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "c.yaml"], check=True)
    subprocess.run(git + ["commit", "-qm", "c"], check=True)
    head = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    real = provenance.git_info
    monkeypatch.setattr(provenance, "git_info", lambda path=None: real(path) if path else {"commit": None, "dirty": None})
    cfg = load_config(repo / "c.yaml")
    assert provenance.run_record("train", cfg, "r1", "now")["git"] == {"commit": head, "dirty": False, "of": "config"}
    monkeypatch.setattr(provenance, "git_info", lambda path=None: {"commit": None, "dirty": None})
    assert provenance.run_record("train", cfg, "r1", "now")["git"] == {"commit": None, "dirty": None, "of": None}
    monkeypatch.setattr(provenance, "git_info", real)
    assert provenance.run_record("train", cfg, "r1", "now")["git"]["of"] == "arclf"
