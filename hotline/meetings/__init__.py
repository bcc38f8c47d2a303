"""Face-to-face: coordination meetings (早餐会 / 下午茶 / 夜沙龙) and their decisions, key projects and
their service commissioners (项目服务专员). See DOMAIN.md, "Face-to-face"."""
